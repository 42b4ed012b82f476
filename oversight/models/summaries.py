"""Pre-aggregated daily figures per school (F8): the bureau's dashboards read only this table, so
their cost depends on schools × days, never on the number of attendance marks or placements.

Rows are derived data, rewritten by services.summaries_roll from the raw records; never edit by hand.
Flows (sessions, marks, hours, incidents, complaints, claims) count what happened on the day; stocks
(enrolled, placed, applied, priority groups, teachers, categories, findings open) are the state at
the end of the day, and a period's value of a stock is the one of its last rolled day. Placements
and applications keep their history (placed_at/ended_at, submitted/withdrawn/reviewed), so a
backfill counts them as they were on each day; enrolled and offers_service have no history, so a
day rolled after it ended keeps the figures it recorded then (services.summaries_compute). The
school's own record of a child's priority group (Student flags) has no history either and is read
as it is at the roll, for the placed children and the whole school alike (so coverage stays within
100 %); a family's declaration counts while its application is live.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models import School

MONEY = {"max_digits": 12, "decimal_places": 2}
# Complaint.Kind value -> summary column.
COMPLAINT_FIELDS = {
    "charging": "complaints_charging",
    "forced": "complaints_forced",
    "extra_lessons": "complaints_extra_lessons",
    "safety": "complaints_safety",
}


class DailySchoolSummary(models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="daily_summaries"
    )
    date = models.DateField(_("date"))
    # Stocks at the end of the day.
    offers_service = models.BooleanField(_("offers the service"), default=False)
    enrolled = models.PositiveIntegerField(_("students enrolled"), default=0)
    placed = models.PositiveIntegerField(_("children placed"), default=0)
    # M2 优先保障: every child of a priority group in the school (the school's record, or the
    # family's declaration on a live application), not only those who applied.
    priority_students = models.PositiveIntegerField(_("priority-group children in the school"), default=0)
    priority_applied = models.PositiveIntegerField(_("priority-group children who applied"), default=0)
    priority_placed = models.PositiveIntegerField(_("priority-group children placed"), default=0)
    teachers = models.PositiveIntegerField(_("teachers leading groups"), default=0)
    # Teacher participation: the school's teachers (service and class teachers, and anyone who led
    # or assisted a held session), and those who led or assisted a held session so far in the
    # school's term and in the calendar month (distinct people cannot be summed over days).
    teachers_total = models.PositiveIntegerField(_("teachers of the school"), default=0)
    teachers_active_term = models.PositiveIntegerField(
        _("teachers who led or assisted a held session this term"), default=0
    )
    teachers_active_month = models.PositiveIntegerField(
        _("teachers who led or assisted a held session this month"), default=0
    )
    # M3: how many of the permitted activity categories the school runs (groups in its term).
    categories_run = models.PositiveSmallIntegerField(_("activity categories run"), default=0)
    findings_open = models.PositiveIntegerField(_("inspection findings open"), default=0)
    # Flows of the day.
    sessions_held = models.PositiveIntegerField(_("sessions held"), default=0)
    marks_expected = models.PositiveIntegerField(_("attendance marks expected"), default=0)
    marks_present = models.PositiveIntegerField(_("attendance marks present"), default=0)
    teacher_hours = models.DecimalField(_("teacher hours"), max_digits=10, decimal_places=2, default=0)
    child_hours = models.DecimalField(_("child hours attended"), max_digits=12, decimal_places=2, default=0)
    incidents = models.PositiveIntegerField(_("incidents"), default=0)
    # Guardians' reports received on the day, one column per Complaint.Kind (columns, not JSON, so
    # that a period is a plain SUM); a new kind needs a column here and in COMPLAINT_FIELDS.
    complaints_charging = models.PositiveIntegerField(_("reports: charging"), default=0)
    complaints_forced = models.PositiveIntegerField(_("reports: forced participation"), default=0)
    complaints_extra_lessons = models.PositiveIntegerField(_("reports: extra lessons"), default=0)
    complaints_safety = models.PositiveIntegerField(_("reports: safety"), default=0)
    # Claims whose period ends on the day: claimed = submitted, approved or paid; paid = paid.
    subsidy_claimed = models.DecimalField(_("subsidy claimed (yuan)"), default=Decimal("0"), **MONEY)
    subsidy_paid = models.DecimalField(_("subsidy paid (yuan)"), default=Decimal("0"), **MONEY)
    rolled_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("daily school summary")
        verbose_name_plural = _("daily school summaries")
        ordering = ["date", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="dailyschoolsummary_one_per_school_day"),
            models.CheckConstraint(
                condition=models.Q(marks_present__lte=models.F("marks_expected")),
                name="dailyschoolsummary_present_within_expected",
            ),
            models.CheckConstraint(
                condition=models.Q(priority_placed__lte=models.F("priority_students"))
                & models.Q(priority_applied__lte=models.F("priority_students")),
                name="dailyschoolsummary_priority_within_students",
            ),
            models.CheckConstraint(
                condition=models.Q(teachers_active_term__lte=models.F("teachers_total"))
                & models.Q(teachers_active_month__lte=models.F("teachers_total")),
                name="dailyschoolsummary_active_teachers_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(subsidy_paid__lte=models.F("subsidy_claimed")),
                name="dailyschoolsummary_paid_within_claimed",
            ),
        ]
        indexes = [
            # Dashboards: every school's rows of a period (date range), then filtered to the region.
            models.Index(fields=["date", "school"], name="dailysummary_date_school_idx"),
        ]
        # The unique (school, date) index also serves one school's rows over a period.

    def __str__(self):
        return f"{self.school} {self.date}"
