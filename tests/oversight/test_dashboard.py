"""F8 dashboard: every indicator equals a count from the raw records; scope follows the reporting
chain; the page's query count does not depend on the number of attendance marks."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityGroup, Session, Term
from enrollment.models import Application, Placement
from oversight.summaries import services
from safety.models import Attendance, Finding, FindingSignoff, Incident
from schools.models import Membership, School, Student
from subsidies.models import Claim, Complaint

pytestmark = pytest.mark.django_db
URL = reverse("oversight:dashboard")
LIVE = [Application.Status.SUBMITTED, Application.Status.RETURNED, Application.Status.APPROVED]


def _get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def _hours(session) -> Decimal:
    minutes = (session.end.hour * 60 + session.end.minute) - (session.start.hour * 60 + session.start.minute)
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _ended_by(application, day) -> bool:
    """No longer live at the end of the day (withdrawn or declined on it or before)."""
    local = timezone.localdate
    if application.status == "withdrawn":
        return local(application.withdrawn_at) <= day
    if application.status == "declined":
        return local(application.reviewed_at) <= day
    return False


def _raw(*, schools, first, last, stock_day):
    """The indicators counted straight from the raw records, without the summary table."""
    local = timezone.localdate
    ids = {s.pk for s in schools}
    live = [
        a
        for a in Application.objects.filter(student__school_id__in=ids).select_related("term", "student")
        if a.term.start <= stock_day <= a.term.end
        and local(a.submitted_at) <= stock_day
        and not _ended_by(a, stock_day)
    ]
    seats = [
        p
        for p in Placement.objects.filter(
            application__student__school_id__in=ids, placed_at__isnull=False
        ).select_related("group__term", "application__student")
        if p.group.term.start <= stock_day <= p.group.term.end
        and local(p.placed_at) <= stock_day
        and (p.ended_at is None or local(p.ended_at) > stock_day)
    ]
    placed = {p.application.student_id for p in seats}
    recorded = {s.pk for s in Student.objects.filter(school_id__in=ids, active=True) if s.is_priority}
    declared = {a.student_id for a in live if a.is_priority}
    priority = recorded | declared
    priority_placed = {
        p.application.student_id
        for p in seats
        if p.application.student_id in recorded
        or (p.application.is_priority and not _ended_by(p.application, stock_day))
    }
    held_month = Session.objects.filter(
        date__range=(max(first, stock_day.replace(day=1)), stock_day), has_records=True
    ).select_related("group__activity")
    teachers_active, teachers_total = 0, 0
    for sid in ids:
        people = {s.lead_id for s in held_month if s.group.activity.school_id == sid}
        people |= {
            user.pk
            for s in held_month
            if s.group.activity.school_id == sid
            for user in s.group.assistants.all()
        }
        term = Term.objects.filter(school_id=sid, start__lte=stock_day).order_by("-start").first()
        term_people = (
            {
                s.lead_id
                for s in Session.objects.filter(
                    group__activity__school_id=sid, has_records=True, date__range=(term.start, stock_day)
                )
            }
            if term
            else set()
        )
        staff = set(
            Membership.objects.filter(
                school_id=sid, role__in=["service_teacher", "class_teacher"]
            ).values_list("user_id", flat=True)
        )
        teachers_active += len(people)
        teachers_total += len(staff | people | term_people)
    sessions = [
        s
        for s in Session.objects.filter(date__range=(first, last)).select_related("group__activity")
        if s.group.activity.school_id in ids
    ]
    held = [s for s in sessions if s.has_records]
    current = {}
    for mark in Attendance.objects.filter(session__in=[s.pk for s in sessions]).select_related("session"):
        key = (mark.session_id, mark.student_id)
        if key not in current or current[key].revision < mark.revision:
            current[key] = mark
    present = [m for m in current.values() if m.status in ("present", "late", "left_early")]
    signed = {f.finding_id: local(f.signed_at) for f in FindingSignoff.objects.all()}
    groups = ActivityGroup.objects.filter(term__start__lte=stock_day, term__end__gte=stock_day)
    claims = Claim.objects.filter(
        school_id__in=ids, period_end__range=(first, last), status__in=["submitted", "approved", "paid"]
    )
    complaints = Counter(
        c.kind for c in Complaint.objects.filter(school_id__in=ids) if first <= local(c.created) <= last
    )
    return {
        "schools": len(ids),
        "offering": sum(1 for s in schools if s.offers_service),
        "enrolled": Student.objects.filter(school_id__in=ids, active=True).count(),
        "placed": len(placed),
        "priority_students": len(priority),
        "priority_applied": len({a.student_id for a in live if a.student_id in recorded or a.is_priority}),
        "priority_placed": len(priority_placed),
        "teachers_active": teachers_active,
        "teachers_total": teachers_total,
        "categories_run": sum(
            len({g.activity.category for g in groups if g.activity.school_id == s.pk})
            for s in schools
            if s.offers_service
        ),
        "teachers": sum(len({g.lead_id for g in groups if g.activity.school_id == sid}) for sid in ids),
        "sessions_held": len(held),
        "teacher_hours": sum((_hours(s) for s in held), Decimal(0)),
        "marks_expected": sum(1 for m in current.values() if m.status != "on_leave"),
        "marks_present": len(present),
        "child_hours": sum((_hours(m.session) for m in present), Decimal(0)),
        "incidents": sum(
            1 for i in Incident.objects.filter(school_id__in=ids) if first <= local(i.occurred_at) <= last
        ),
        "findings_open": sum(
            1
            for f in Finding.objects.filter(school_id__in=ids, found_on__lte=stock_day)
            if f.pk not in signed or signed[f.pk] > stock_day
        ),
        "complaints_charging": complaints["charging"],
        "complaints_forced": complaints["forced"],
        "complaints_extra_lessons": complaints["extra_lessons"],
        "complaints_safety": complaints["safety"],
        "subsidy_claimed": sum((c.total for c in claims), Decimal(0)),
        "subsidy_paid": sum((c.total for c in claims if c.status == "paid"), Decimal(0)),
    }


@pytest.mark.parametrize("month", ["2026-09", "2026-10", "2026-11"])
def test_it_shows_for_the_province_exactly_what_the_raw_records_count(client, demo, month):
    response = _get(client, demo.user("hn_bureau"), month=month)
    assert response.status_code == 200
    period, totals, stock_day = (
        response.context["period"],
        response.context["totals"],
        response.context["last_day"],
    )
    assert period.first <= stock_day <= period.last
    schools = list(School.objects.filter(region__report_path__startswith="/41/"))
    raw = _raw(schools=schools, first=period.first, last=period.last, stock_day=stock_day)
    for name, expected in raw.items():
        assert totals[name] == expected, name
    # The derived rates, from the raw counts.
    assert totals["participation_rate"] == (Decimal(raw["placed"]) * 100 / raw["enrolled"]).quantize(
        Decimal("0.1")
    )
    if raw["marks_expected"]:
        assert totals["attendance_rate"] == (
            Decimal(raw["marks_present"]) * 100 / raw["marks_expected"]
        ).quantize(Decimal("0.1"))
    # F12: the Ministry's definitions.
    assert totals["priority_coverage"] == (
        Decimal(raw["priority_placed"]) * 100 / raw["priority_students"]
    ).quantize(Decimal("0.1"))
    assert totals["teacher_participation"] == (
        Decimal(raw["teachers_active"]) * 100 / raw["teachers_total"]
    ).quantize(Decimal("0.1"))
    assert totals["category_coverage"] == (
        Decimal(raw["categories_run"]) * 100 / (13 * raw["offering"])
    ).quantize(Decimal("0.1"))
    # The seeded data has something in each of the figures that matter (not a vacuous pass).
    if month == "2026-11":
        assert raw["marks_expected"] and raw["placed"] and raw["sessions_held"] and raw["teachers"]
    if month == "2026-09":
        assert raw["subsidy_claimed"] > 0


def _school_codes(response):
    return {row["school"].pk for row in response.context["schools"]}


def test_it_follows_the_reporting_chain(client, demo):
    s1, s2, s3, s4 = (demo.school(k).pk for k in ("s1", "s2", "s3", "s4"))
    zz = _school_codes(_get(client, demo.user("zz_bureau")))
    assert {s1, s2, s4} <= zz and s3 not in zz
    assert s3 in _school_codes(_get(client, demo.user("hn_bureau")))
    assert _school_codes(_get(client, demo.user("gy_bureau"))) == {s3}
    page = _get(client, demo.user("gy_bureau")).content.decode()
    assert reverse("schools:bureau-school", kwargs={"school_code": demo.school("s3").code}) in page
    assert demo.school("s1").name not in page


def test_it_shows_a_school_admin_their_own_school_only(client, demo):
    response = _get(client, demo.user("s1_admin"))
    assert response.status_code == 200
    assert _school_codes(response) == {demo.school("s1").pk}


@pytest.mark.parametrize("username", ["s1_parent", "s1_head31", "s1_staff", "s1_guard"])
def test_it_is_not_there_for_parents_and_teachers(client, demo, username):
    assert _get(client, demo.user(username)).status_code == 404


def test_it_sends_anonymous_users_to_sign_in(client, demo):
    response = client.get(URL)
    assert response.status_code == 302


def test_it_accepts_a_term_and_ignores_a_malformed_month(client, demo):
    hn = demo.user("hn_bureau")
    response = _get(client, hn, term="2026-autumn")
    assert response.context["period"].first == datetime.date(2026, 9, 1)
    assert response.context["period"].last == datetime.date(2027, 1, 31)
    assert _get(client, hn, month="2026-13").status_code == 200


def test_its_query_count_does_not_grow_with_attendance_rows(client, demo):
    hn = demo.user("hn_bureau")
    period = {"month": "2026-11"}
    _get(client, hn, **period)  # warm up (session, caches)
    with CaptureQueriesContext(connection) as before:
        first = _get(client, hn, **period)
    # Many more marks: every placed child of s1 marked in every held session of the month.
    sessions = list(
        Session.objects.filter(
            group__activity__school=demo.school("s1"),
            date__range=("2026-11-01", "2026-11-30"),
            has_records=True,
        )
    )
    marked = set(Attendance.objects.filter(session__in=sessions).values_list("session_id", "student_id"))
    students = list(Student.objects.filter(school=demo.school("s1"))[:100])
    marker, at = demo.user("s1_staff"), timezone.now()
    new = [
        Attendance(session=s, student=st, status="present", marked_by=marker, marked_at=at)
        for s in sessions
        for st in students
        if (s.pk, st.pk) not in marked
    ]
    Attendance.objects.bulk_create(new)
    assert len(new) > 500
    for day in sorted({s.date for s in sessions}):
        services.summaries_roll(day=day)
    _get(client, hn, **period)  # the idle clock's session write after the long build, not the page's cost
    with CaptureQueriesContext(connection) as after:
        second = _get(client, hn, **period)
    assert second.context["totals"]["marks_present"] == first.context["totals"]["marks_present"] + len(new)
    assert len(after) == len(before)
