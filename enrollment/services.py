"""The enrollment workflow (M2): notice, survey, application, class review, placement.

Voluntary at every step (M2, H2): nothing enrols a child without a guardian's application, and a
guardian can withdraw at any time without a reason. Seats are taken under a lock on the group row,
so a group never holds more children than its capacity, however many requests arrive at once.
"""

import datetime
import random
import secrets
from typing import Required, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities import services as activity_services
from activities.models import ActivityGroup, Term
from audit import services as audit
from enrollment.days import days_label, days_meet, group_weekdays, groups_weekdays
from enrollment.models import (
    Application,
    Choice,
    EnrollmentWindow,
    NoticeAcknowledgement,
    ParentNotice,
    Placement,
    Survey,
    SurveyResponse,
)
from notices.services import notification_send
from schools import selectors as school_selectors
from schools.models import AuthorizedPickup, Guardian, Guardianship, Membership, Role, Student, User

MAX_CHOICES = 3


# --- notice to parents (告家长书) ------------------------------------------------------------


@transaction.atomic
def notice_publish(
    *, term: Term, service_method: str, content: str, safety_measures: str, actor: User
) -> ParentNotice:
    """Publish a new version of the notice; guardians must acknowledge it again. Raises ValidationError."""
    if not (service_method.strip() and content.strip() and safety_measures.strip()):
        raise ValidationError(
            _("The notice must state the service method, its content and the safety measures."),
            code="empty",
        )
    activity_services.term_refuse_if_archived(term)
    # F15: a draft carried over from an earlier term gives way to the published version.
    ParentNotice.objects.filter(term=term, draft=True).delete()
    last = ParentNotice.objects.filter(term=term).aggregate(v=Max("version"))["v"] or 0
    notice = ParentNotice.objects.create(
        term=term,
        version=last + 1,
        service_method=service_method.strip(),
        content=content.strip(),
        safety_measures=safety_measures.strip(),
        published_by=actor,
    )
    audit.record(actor=actor, verb="notice.publish", target=term, changes={"version": notice.version})
    return notice


def notice_current(term: Term) -> ParentNotice | None:
    """The term's latest published notice (a draft is never shown to parents)."""
    return ParentNotice.objects.filter(term=term, draft=False).order_by("-version").first()


def notice_draft(term: Term) -> ParentNotice | None:
    """F15: the notice carried over from an earlier term, not yet published."""
    return ParentNotice.objects.filter(term=term, draft=True).first()


def term_drafts_copy(*, source: Term, term: Term, actor: User) -> dict:
    """F15: carry the source term's notice and survey over to a new term as drafts (the notice
    unpublished, the survey not open; its dates move with the term). activities.services.term_copy
    calls this through TERM_COPIED, inside its transaction. Returns what was carried over."""
    carried = {"notice": False, "survey": False}
    notice = notice_current(source)
    if notice is not None:
        ParentNotice.objects.create(
            term=term,
            version=0,
            service_method=notice.service_method,
            content=notice.content,
            safety_measures=notice.safety_measures,
            published_by=actor,
            draft=True,
        )
        carried["notice"] = True
    survey = Survey.objects.filter(term=source).first()
    if survey is not None:
        shift = term.start - source.start
        Survey.objects.create(
            term=term,
            opens_at=survey.opens_at + shift,
            closes_at=survey.closes_at + shift,
            note=survey.note,
            draft=True,
        )
        carried["survey"] = True
    if any(carried.values()):
        audit.record(
            actor=actor, verb="term.drafts_copy", target=term, changes={"from": source.name, **carried}
        )
    return carried


def notice_acknowledged(*, term: Term, guardian: Guardian) -> bool:
    current = notice_current(term)
    return bool(current) and NoticeAcknowledgement.objects.filter(notice=current, guardian=guardian).exists()


@transaction.atomic
def notice_acknowledge(*, notice: ParentNotice, guardian: Guardian) -> NoticeAcknowledgement:
    """A guardian has read this version of the notice. Raises ValidationError(code="outdated")."""
    if notice_current(notice.term).pk != notice.pk:
        raise ValidationError(
            _("A newer version of the notice has been published; read that one."), code="outdated"
        )
    ack, _created = NoticeAcknowledgement.objects.get_or_create(notice=notice, guardian=guardian)
    return ack


# --- demand survey (征求意见) ----------------------------------------------------------------


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    guardian: Guardian,
    student: Student,
    wants_service: bool,
    days: str = "",
    latest_pickup: datetime.time | None = None,
    interests: list[str] | None = None,
) -> SurveyResponse:
    """Record (or change) a guardian's answer for one child. Raises ValidationError(code="closed"...)."""
    now = timezone.now()
    if survey.draft or not survey.opens_at <= now <= survey.closes_at:
        raise ValidationError(_("The survey is not open."), code="closed")
    _require_guardian(guardian, student)
    from activities.models import Category

    interests = [i for i in (interests or []) if i in Category.values]
    response, _created = SurveyResponse.objects.update_or_create(
        survey=survey,
        student=student,
        defaults={
            "guardian": guardian,
            "wants_service": wants_service,
            "days": "".join(sorted(set(days))) if wants_service else "",
            "latest_pickup": latest_pickup if wants_service else None,
            "interests": interests if wants_service else [],
        },
    )
    return response


# --- the application window ------------------------------------------------------------------


@transaction.atomic
def window_save(
    *,
    term: Term,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    review_deadline: datetime.datetime,
    tie_break: str,
    actor: User,
) -> EnrollmentWindow:
    """Set the application window and how ties are broken.

    Raises ValidationError(code="dates" or "published").
    """
    if closes_at <= opens_at or review_deadline < closes_at:
        raise ValidationError(
            _("Applications must close after they open, and class review must end after they close."),
            code="dates",
        )
    activity_services.term_refuse_if_archived(term)
    window = EnrollmentWindow.objects.filter(term=term).first() or EnrollmentWindow(term=term)
    if window.published_at:
        raise ValidationError(
            _("Placement has been published; the window can no longer change."), code="published"
        )
    window.opens_at, window.closes_at, window.review_deadline = opens_at, closes_at, review_deadline
    window.tie_break = tie_break
    window.full_clean(exclude=["term"])
    window.save()
    audit.record(actor=actor, verb="window.save", target=term, changes={"tie_break": tie_break})
    return window


# --- the school admin's demand survey (征求意见, M2) -------------------------------------------

SURVEY_DEFAULT_DAYS = 14  # how long a survey opened (or reopened) now stays open unless it says


@transaction.atomic
def survey_save(
    *,
    term: Term,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    note: str,
    actor: User,
) -> Survey:
    """Create or change the term's demand survey (one per term). Raises ValidationError(code="dates")."""
    if closes_at <= opens_at:
        raise ValidationError(_("The survey must close after it opens."), code="dates")
    survey = Survey.objects.select_for_update().filter(term=term).first()
    created = survey is None
    survey = survey or Survey(term=term)
    survey.opens_at, survey.closes_at, survey.note = opens_at, closes_at, note
    survey.save()
    audit.record(
        actor=actor,
        verb="survey.create" if created else "survey.change",
        target=term,
        changes={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
    )
    return survey


@transaction.atomic
def survey_open(*, survey: Survey, actor: User) -> Survey:
    """Open the survey now (a closed one reopens for SURVEY_DEFAULT_DAYS). Raises
    ValidationError(code="already_open")."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    now = timezone.now()
    if not survey.draft and survey.opens_at <= now < survey.closes_at:
        raise ValidationError(_("The survey is already open."), code="already_open")
    survey.draft = False
    if survey.opens_at > now:
        survey.opens_at = now
    if survey.closes_at <= now:
        survey.closes_at = now + datetime.timedelta(days=SURVEY_DEFAULT_DAYS)
    survey.save(update_fields=["opens_at", "closes_at", "draft"])
    audit.record(
        actor=actor,
        verb="survey.open",
        target=survey.term,
        changes={"closes_at": survey.closes_at.isoformat()},
    )
    return survey


@transaction.atomic
def survey_close(*, survey: Survey, actor: User) -> Survey:
    """Close the open survey now; answers given so far are kept. Raises ValidationError(code="not_open")."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    now = timezone.now()
    if not survey.opens_at <= now < survey.closes_at:
        raise ValidationError(_("Only an open survey can be closed."), code="not_open")
    survey.closes_at = max(now, survey.opens_at + datetime.timedelta(seconds=1))
    survey.save(update_fields=["closes_at"])
    audit.record(
        actor=actor,
        verb="survey.close",
        target=survey.term,
        changes={"closes_at": survey.closes_at.isoformat()},
    )
    return survey


# --- the guardian's application --------------------------------------------------------------


def _require_guardian(guardian: Guardian, student: Student) -> None:
    if not Guardianship.objects.filter(guardian=guardian, student=student).exists():
        raise ValidationError(_("Only the child's own guardian can do this."), code="not_guardian")


def groups_open_to(*, term: Term, student: Student):
    """The term's groups whose eligible grades include the child's grade and whose activity may run
    (F12: an off-campus activity without its checklist and coordination takes no applications)."""
    return (
        ActivityGroup.objects.filter(
            term=term, grades__contains=str(student.class_group.grade), activity__active=True
        )
        .filter(activity_services.runnable_q("activity__"))
        .select_related("activity", "venue", "lead")
        .order_by("activity__category", "name")
    )


def _require_common_day(family_days: str, group: ActivityGroup) -> None:
    """F12: a child goes only to a group that meets on at least one of the family's days.
    Raises ValidationError(code="days_mismatch")."""
    group_days = group_weekdays(group)
    if not days_meet(family_days, group_days):
        raise ValidationError(
            _(
                "%(group)s meets on %(group_days)s, none of the family's days (%(days)s). Choose "
                "a day it meets or another activity."
            ),
            code="days_mismatch",
            params={
                "group": group.name,
                "group_days": days_label(group_days),
                "days": days_label(family_days),
            },
        )


class ApplicationAnswers(TypedDict, total=False):
    """What a guardian answers on the application form; submit and update take the same answers."""

    days: Required[str]
    group_ids: Required[list[int]]
    pickup: Required[str]
    pickup_persons: list[AuthorizedPickup] | None
    alone_consent: bool
    left_behind: bool
    migrant: bool
    low_income: bool
    disability: bool
    other_need: str
    priority_consent: bool
    safety_commitment: bool


def _check_offered(student: Student) -> None:
    if not student.school.offers_service:
        raise ValidationError(
            _("%(school)s does not offer the service this term: %(why)s"),
            code="no_service",
            params={"school": student.school.name, "why": student.school.no_service_explanation},
        )


def _check_choices(
    *, term: Term, student: Student, days: str, group_ids: list[int], second_round: bool
) -> None:
    """The days come from the term's weekdays; one to MAX_CHOICES different groups (one in a second
    round), each open to the child's grade and meeting on one of the family's days."""
    if not days or any(d not in term.weekdays for d in days):
        raise ValidationError(_("Choose the days from the service weekdays of the term."), code="days")
    if not group_ids:
        raise ValidationError(_("Choose at least one activity."), code="choices")
    limit = 1 if second_round else MAX_CHOICES
    if len(group_ids) > limit or len(set(group_ids)) != len(group_ids):
        raise ValidationError(
            _("Choose up to %(n)s different activities, in order of preference."),
            code="choices",
            params={"n": limit},
        )
    open_groups = {g.pk: g for g in groups_open_to(term=term, student=student).prefetch_related("slots")}
    if not set(group_ids) <= set(open_groups):
        raise ValidationError(
            _("One of the chosen activities is not open to this child's grade."), code="choices"
        )
    for group_id in group_ids:
        _require_common_day(days, open_groups[group_id])


def _check_pickup(
    *, student: Student, pickup: str, pickup_persons: list[AuthorizedPickup], alone_consent: bool
) -> None:
    """Named pick-up persons are the child's own and valid today; going home alone needs consent."""
    if pickup == Application.Pickup.AUTHORISED:
        today = timezone.localdate()
        if not pickup_persons or any(
            p.student_id != student.pk or not p.is_valid_on(today) for p in pickup_persons
        ):
            raise ValidationError(
                _("Name at least one of the child's currently valid pick-up persons."), code="pickup_persons"
            )
    if pickup == Application.Pickup.ALONE and not alone_consent:
        raise ValidationError(
            _("A child goes home alone only with the guardian's written consent."), code="alone_consent"
        )
    if pickup not in Application.Pickup.values:
        raise ValidationError(_("Choose how the child is collected."), code="pickup")


def _check_consents(*, priority: dict, priority_consent: bool, safety_commitment: bool) -> None:
    if any(priority.values()) and not priority_consent:
        raise ValidationError(
            _(
                "To declare a priority group, agree separately to the school using this "
                "sensitive information."
            ),
            code="priority_consent",
        )
    if not safety_commitment:
        raise ValidationError(_("Please read and accept the safety commitment."), code="safety_commitment")


def _application_fields(
    *,
    term: Term,
    student: Student,
    second_round: bool,
    days: str,
    group_ids: list[int],
    pickup: str,
    pickup_persons: list[AuthorizedPickup] | None = None,
    alone_consent: bool = False,
    left_behind: bool = False,
    migrant: bool = False,
    low_income: bool = False,
    disability: bool = False,
    other_need: str = "",
    priority_consent: bool = False,
    safety_commitment: bool = False,
) -> dict:
    """The one rule set for a guardian's answers, on submit and on update: check them in order and
    return the Application fields they set. Raises ValidationError(code="no_service", "days",
    "days_mismatch", "choices", "pickup_persons", "alone_consent", "pickup", "priority_consent",
    "safety_commitment")."""
    days = "".join(sorted(set(days)))
    pickup_persons = pickup_persons or []
    priority = dict(left_behind=left_behind, migrant=migrant, low_income=low_income, disability=disability)
    _check_offered(student)
    _check_choices(term=term, student=student, days=days, group_ids=group_ids, second_round=second_round)
    _check_pickup(student=student, pickup=pickup, pickup_persons=pickup_persons, alone_consent=alone_consent)
    _check_consents(
        priority={**priority, "other_need": bool(other_need.strip())},
        priority_consent=priority_consent,
        safety_commitment=safety_commitment,
    )
    return {
        **priority,
        "days": days,
        "pickup": pickup,
        "pickup_persons": pickup_persons if pickup == Application.Pickup.AUTHORISED else [],
        "alone_consent": alone_consent and pickup == Application.Pickup.ALONE,
        "other_need": other_need.strip(),
        "priority_consent": priority_consent,
        "safety_commitment": True,
        "group_ids": group_ids,
    }


def _choices_write(application: Application, group_ids: list[int]) -> None:
    """The application's ranked choices become exactly these groups."""
    application.choices.all().delete()
    Choice.objects.bulk_create(
        [Choice(application=application, group_id=g, rank=i + 1) for i, g in enumerate(group_ids)]
    )


def _application_write(application: Application, fields: dict) -> Application:
    """Save the checked answers (from _application_fields) on a new or changed application."""
    fields = dict(fields)
    pickup_persons, group_ids = fields.pop("pickup_persons"), fields.pop("group_ids")
    for field, value in fields.items():
        setattr(application, field, value)
    application.status = Application.Status.SUBMITTED
    application.save()
    application.pickup_persons.set(pickup_persons)
    _choices_write(application, group_ids)
    return application


def _window_state(term: Term) -> tuple[EnrollmentWindow | None, bool, bool]:
    window = EnrollmentWindow.objects.filter(term=term).first()
    now = timezone.now()
    first_round = bool(window and window.opens_at <= now <= window.closes_at and not window.published_at)
    second_round = bool(window and window.published_at and window.second_round_open)
    return window, first_round, second_round


def _second_round_rechoice(existing: Application | None, second_round: bool) -> bool:
    """Approved in the first round but not placed: the second round offers the remaining seats."""
    return bool(
        existing
        and second_round
        and existing.status == Application.Status.APPROVED
        and not existing.placements.filter(status=Placement.Status.PLACED).exists()
    )


@transaction.atomic
def application_submit(
    *, guardian: Guardian, student: Student, term: Term, **answers: Unpack[ApplicationAnswers]
) -> Application:
    """A guardian applies for a child (M2: 家长申请). In a second round without review the chosen
    seat is taken at once, or the child joins the wait list.

    Raises ValidationError(code="not_guardian", "left_school", "closed", "notice", "duplicate", and
    those of _application_fields).
    """
    _require_guardian(guardian, student)
    activity_services.term_refuse_if_archived(term)
    if not student.active or student.school_id != term.school_id:
        # F15: a child who left the school (graduated, transferred, left) is not offered a seat.
        raise ValidationError(
            _("%(child)s is no longer enrolled at this school."),
            code="left_school",
            params={"child": student.name},
        )
    window, first_round, second_round = _window_state(term)
    if not (first_round or second_round):
        raise ValidationError(_("Applications for this term are not open."), code="closed")
    if not notice_acknowledged(term=term, guardian=guardian):
        raise ValidationError(_("Please read and acknowledge the school's notice first."), code="notice")
    fields = _application_fields(term=term, student=student, second_round=second_round, **answers)
    existing = Application.objects.filter(term=term, student=student, status__in=Application.ACTIVE).first()
    if _second_round_rechoice(existing, second_round):
        existing.days = fields["days"]
        existing.save(update_fields=["days"])
        _choices_write(existing, fields["group_ids"][:1])
        audit.record(actor=guardian.user, verb="application.second_round_choice", target=existing)
        seat_take(application=existing, group=ActivityGroup(pk=fields["group_ids"][0]))
        return existing
    if existing:
        raise ValidationError(
            _("%(child)s already has an application for this term; change that one instead."),
            code="duplicate",
            params={"child": student.name},
        )
    application = Application(
        term=term, student=student, guardian=guardian, submitted_at=timezone.now(), second_round=second_round
    )
    _application_write(application, fields)
    audit.record(actor=guardian.user, verb="application.submit", target=application)
    if second_round and not window.second_round_needs_review:
        application.status = Application.Status.APPROVED
        application.save(update_fields=["status"])
        seat_take(application=application, group=ActivityGroup(pk=fields["group_ids"][0]))
    else:
        _notify_class_teacher(application)
    return application


@transaction.atomic
def application_update(
    *, application: Application, guardian: Guardian, **answers: Unpack[ApplicationAnswers]
) -> Application:
    """Change an application before review (or after it was returned); it goes back to the class
    teacher. Raises ValidationError(code="not_guardian", "not_editable", "closed", and those of
    _application_fields)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _require_guardian(guardian, application.student)
    if application.status not in (Application.Status.SUBMITTED, Application.Status.RETURNED):
        raise ValidationError(_("Only an application not yet reviewed can be changed."), code="not_editable")
    activity_services.term_refuse_if_archived(application.term)
    window, _first, second = _window_state(application.term)
    if not (second or (window and timezone.now() <= window.review_deadline)):
        raise ValidationError(_("Class review for this term has closed."), code="closed")
    fields = _application_fields(
        term=application.term, student=application.student, second_round=application.second_round, **answers
    )
    _application_write(application, fields)
    audit.record(actor=guardian.user, verb="application.update", target=application)
    _notify_class_teacher(application, again=True)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, guardian: Guardian) -> Application:
    """Withdraw at any time, no reason needed (H2: 不得强制). A seat it held goes to the next child on
    the wait list at once. Raises ValidationError(code="not_active")."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _require_guardian(guardian, application.student)
    activity_services.term_refuse_if_archived(application.term)
    if application.status not in Application.ACTIVE:
        raise ValidationError(_("This application is no longer active."), code="not_active")
    application.status, application.withdrawn_at = Application.Status.WITHDRAWN, timezone.now()
    application.save(update_fields=["status", "withdrawn_at"])
    freed = list(
        Placement.objects.filter(application=application, status=Placement.Status.PLACED).values_list(
            "group_id", flat=True
        )
    )
    Placement.objects.filter(
        application=application, status__in=[Placement.Status.PLACED, Placement.Status.WAITLISTED]
    ).update(status=Placement.Status.RELEASED, position=None)
    audit.record(actor=guardian.user, verb="application.withdraw", target=application)
    window = EnrollmentWindow.objects.filter(term=application.term).first()
    if window and window.published_at:
        for group_id in freed:
            waitlist_promote(group=ActivityGroup.objects.get(pk=group_id))
    return application


# --- class review (班级审核) -----------------------------------------------------------------


def _require_class_teacher(reviewer: User, application: Application) -> None:
    if reviewer.is_superuser:
        return
    if not Membership.objects.filter(
        user=reviewer, role=Role.CLASS_TEACHER, class_group_id=application.student.class_group_id
    ).exists():
        raise ValidationError(
            _("Only the child's class teacher reviews this application."), code="not_reviewer"
        )


def _review(
    application: Application, reviewer: User, status: str, note: str, verb: str, kind: str
) -> Application:
    application = (
        Application.objects.select_for_update()
        .select_related("student", "guardian__user")
        .get(pk=application.pk)
    )
    _require_class_teacher(reviewer, application)
    activity_services.term_refuse_if_archived(application.term)
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(_("Only submitted applications can be reviewed."), code="not_pending")
    application.status, application.review_note = status, note.strip()
    application.reviewed_by, application.reviewed_at = reviewer, timezone.now()
    application.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    audit.record(actor=reviewer, verb=verb, target=application, changes={"note": note.strip()})
    for recipient in school_selectors.guardian_users(application.student, guardian=application.guardian):
        notification_send(
            recipient=recipient,
            kind=kind,
            link=reverse("enrollment:family"),
            dedupe_key=f"{kind}:{application.code}:{application.reviewed_at.isoformat()}",
            application=application,
            student=application.student,
            note=note.strip(),
        )
    return application


@transaction.atomic
def application_approve(*, application: Application, reviewer: User) -> Application:
    """Class review: approve. In a reviewed second round the seat is taken now.

    Raises ValidationError(code="not_pending" or "not_reviewer")."""
    application = _review(
        application, reviewer, Application.Status.APPROVED, "", "application.approve", "enrollment/approved"
    )
    if application.second_round:
        first = application.choices.order_by("rank").select_related("group").first()
        seat_take(application=application, group=first.group)
    return application


@transaction.atomic
def application_return(*, application: Application, reviewer: User, note: str) -> Application:
    """Class review: return for correction with a note. Raises ValidationError(code="note", ...)."""
    if not note.strip():
        raise ValidationError(_("Tell the guardian what to correct."), code="note")
    return _review(
        application, reviewer, Application.Status.RETURNED, note, "application.return", "enrollment/returned"
    )


@transaction.atomic
def application_decline(*, application: Application, reviewer: User, reason: str) -> Application:
    """Class review: decline with a reason. Raises ValidationError(code="note", ...)."""
    if not reason.strip():
        raise ValidationError(_("Give the guardian the reason."), code="note")
    return _review(
        application,
        reviewer,
        Application.Status.DECLINED,
        reason,
        "application.decline",
        "enrollment/declined",
    )


def applications_approve(*, applications: list[Application], reviewer: User) -> int:
    """Bulk approve; each in its own transaction so that one stale row does not undo the rest."""
    done = 0
    for application in applications:
        try:
            application_approve(application=application, reviewer=reviewer)
            done += 1
        except ValidationError:
            continue
    return done


def _notify_class_teacher(application: Application, again: bool = False) -> None:
    teacher = (
        Membership.objects.filter(role=Role.CLASS_TEACHER, class_group_id=application.student.class_group_id)
        .select_related("user")
        .first()
    )
    if teacher:
        notification_send(
            recipient=teacher.user,
            kind="enrollment/to_review",
            link=reverse("enrollment:review"),
            dedupe_key=f"to_review:{application.code}:"
            + (timezone.now().isoformat() if again else application.submitted_at.isoformat()),
            application=application,
            student=application.student,
        )


# --- seats: placement, wait list, promotion ---------------------------------------------------


def _lock(group: ActivityGroup) -> ActivityGroup:
    # One row lock per group serialises seat-taking on PostgreSQL; on SQLite the IMMEDIATE
    # transaction already holds the database's write lock.
    return ActivityGroup.objects.select_for_update().get(pk=group.pk)


def _placed_count(group: ActivityGroup) -> int:
    return Placement.objects.filter(group=group, status=Placement.Status.PLACED).count()


def _next_position(group: ActivityGroup) -> int:
    top = Placement.objects.filter(group=group, status=Placement.Status.WAITLISTED).aggregate(
        p=Max("position")
    )["p"]
    return (top or 0) + 1


@transaction.atomic
def seat_take(*, application: Application, group: ActivityGroup) -> Placement:
    """Give the child a seat in the group if one is free, else a place at the end of its wait list.

    Only the group's primary key is read from `group`: the row is locked and reloaded here.
    Raises ValidationError(code="not_approved", "days_mismatch" or "already").
    """
    group = _lock(group)
    application = Application.objects.select_related("guardian__user", "student").get(pk=application.pk)
    activity_services.term_refuse_if_archived(application.term)
    if application.status != Application.Status.APPROVED:
        raise ValidationError(_("Only approved applications are placed."), code="not_approved")
    _require_common_day(application.days, group)
    mine = list(
        Placement.objects.filter(
            application=application, status__in=[Placement.Status.PLACED, Placement.Status.WAITLISTED]
        )
    )
    if any(p.status == Placement.Status.PLACED for p in mine):
        raise ValidationError(_("This child already has a seat."), code="already")
    live = next((p for p in mine if p.group_id == group.pk), None)
    if _placed_count(group) < group.capacity:
        if live:
            live.status, live.position = Placement.Status.PLACED, None
            live.save(update_fields=["status", "position", "changed"])
            placement = live
        else:
            placement = Placement.objects.create(
                application=application, group=group, status=Placement.Status.PLACED
            )
        _notify_placement(placement, "enrollment/placed", application=application)
    elif live:
        placement = live
    else:
        placement = Placement.objects.create(
            application=application,
            group=group,
            status=Placement.Status.WAITLISTED,
            position=_next_position(group),
        )
        _notify_placement(placement, "enrollment/waitlisted", application=application)
    return placement


def group_days_check(*, group: ActivityGroup, weekdays: str) -> None:
    """F12: a group keeps meeting on at least one day of each child placed in it. Registered in
    activities.services.SLOT_CHECKS (enrollment/apps.py). Raises ValidationError(code="days_stranded")."""
    stranded = sum(
        1
        for family_days in Placement.objects.filter(group=group, status=Placement.Status.PLACED).values_list(
            "application__days", flat=True
        )
        if not days_meet(family_days, weekdays)
    )
    if stranded:
        raise ValidationError(
            ngettext(
                "%(n)s child placed in this group would have none of the family's days left (%(days)s). "
                "Keep one of their days or move the child to another group first.",
                "%(n)s children placed in this group would have none of their families' days left "
                "(%(days)s). Keep one of their days or move them to other groups first.",
                stranded,
            ),
            code="days_stranded",
            params={"n": stranded, "days": days_label(weekdays)},
        )


@transaction.atomic
def placement_decline(*, placement: Placement, guardian: Guardian) -> Placement:
    """The family turns down the seat it was given, no reason needed (H2: 不得强制): the seat goes to
    the next child on the wait list; the application stays approved, so a second round may still
    offer another seat. Raises ValidationError(code="not_placed")."""
    application = placement.application
    _require_guardian(guardian, application.student)
    activity_services.term_refuse_if_archived(application.term)
    released = Placement.objects.filter(pk=placement.pk, status=Placement.Status.PLACED).update(
        status=Placement.Status.RELEASED, position=None, changed=timezone.now()
    )
    if not released:
        raise ValidationError(_("This place is no longer held."), code="not_placed")
    placement.refresh_from_db()
    audit.record(actor=guardian.user, verb="placement.decline", target=application)
    waitlist_promote(group=placement.group)
    return placement


@transaction.atomic
def waitlist_promote(*, group: ActivityGroup) -> list[Placement]:
    """Fill the group's free seats from the head of its wait list, in order, and tell each promoted
    family. Only children for whom the group meets on one of the family's days move up; the others
    keep their place. The one path for every way seats appear: capacity raised, a child moved out,
    an application withdrawn, a seat declined. Nothing moves before placement is published (the
    draft allocation starts over on each run)."""
    window = EnrollmentWindow.objects.filter(term_id=group.term_id).only("published_at").first()
    if not (window and window.published_at):
        return []
    # Lock late and once: the group row serialises everyone who fills or takes its seats.
    group = _lock(group)
    free = group.capacity - _placed_count(group)
    if free <= 0:
        return []
    group_days = groups_weekdays([group.pk]).get(group.pk, "")
    seated_elsewhere = Placement.objects.filter(
        application_id=OuterRef("application_id"), status=Placement.Status.PLACED
    )
    promoted = []
    waiting = (
        Placement.objects.filter(
            group=group, status=Placement.Status.WAITLISTED, application__status=Application.Status.APPROVED
        )
        .select_related("application")
        .order_by("position")
    )
    for placement in waiting:
        if len(promoted) == free:
            break
        if not days_meet(placement.application.days, group_days):
            continue
        # Conditional update: still waiting here and no seat elsewhere (the one-seat constraint
        # backs it up), so a concurrent move or withdrawal cannot place the child twice.
        taken = (
            Placement.objects.filter(pk=placement.pk, status=Placement.Status.WAITLISTED)
            .filter(~Exists(seated_elsewhere))
            .update(status=Placement.Status.PLACED, position=None, changed=timezone.now())
        )
        if not taken:
            # Placed elsewhere meanwhile: the wait-list entry is spent.
            Placement.objects.filter(pk=placement.pk, status=Placement.Status.WAITLISTED).update(
                status=Placement.Status.RELEASED, position=None, changed=timezone.now()
            )
            continue
        placement.refresh_from_db()
        placement.group = group
        promoted.append(placement)
        _notify_placement(placement, "enrollment/promoted")
    if promoted:
        audit.record(
            actor=None,
            verb="waitlist.promote",
            target=group,
            changes={"promoted": [str(p.code) for p in promoted]},
        )
    return promoted


def _notify_placement(placement: Placement, kind: str, application: Application | None = None) -> None:
    """`application`, when given, comes with guardian__user and student already loaded."""
    window = EnrollmentWindow.objects.filter(term_id=placement.group.term_id).only("published_at").first()
    if not (window and window.published_at):
        return  # a draft allocation is not news yet; publication tells every family
    if application is None:
        application = Application.objects.select_related("guardian__user", "student").get(
            pk=placement.application_id
        )
    for recipient in school_selectors.guardian_users(application.student, guardian=application.guardian):
        notification_send(
            recipient=recipient,
            kind=kind,
            link=reverse("enrollment:family"),
            dedupe_key=f"{kind}:{placement.code}:{placement.status}",
            placement=placement,
            group=placement.group,
            student=application.student,
            position=placement.position,
        )


def _order(applications: list[Application], window: EnrollmentWindow) -> list[Application]:
    """Priority groups first (M2), then the school's recorded tie-break."""
    if window.tie_break == EnrollmentWindow.TieBreak.LOTTERY:
        rng = random.Random(window.lottery_seed)
        keyed = sorted(applications, key=lambda a: str(a.code))
        rng.shuffle(keyed)
        rank = {a.pk: i for i, a in enumerate(keyed)}
        tie = lambda a: rank[a.pk]  # noqa: E731
    else:
        tie = lambda a: (a.submitted_at, a.pk)  # noqa: E731
    return sorted(applications, key=lambda a: (not (a.is_priority or a.student.is_priority), tie(a)))


@transaction.atomic
def placement_run(*, term: Term, actor: User) -> dict:
    """Allocate approved first-round applications to groups: priority groups first, then ranked
    choices, then the tie-break; never above capacity; the rest on their first choice's wait list.
    A draft until published: running it again starts over. Raises ValidationError(code="published")."""
    activity_services.term_refuse_if_archived(term)
    window = EnrollmentWindow.objects.select_for_update().get(term=term)
    if window.published_at:
        raise ValidationError(_("Placement has been published; use manual moves instead."), code="published")
    if window.tie_break == EnrollmentWindow.TieBreak.LOTTERY and not window.lottery_seed:
        window.lottery_seed = secrets.token_hex(8)
    Placement.objects.filter(group__term=term, application__second_round=False).delete()
    groups = {g.pk: g for g in ActivityGroup.objects.select_for_update().filter(term=term)}
    free = {pk: g.capacity for pk, g in groups.items()}
    meets = groups_weekdays(groups)
    applications = list(
        Application.objects.filter(term=term, status=Application.Status.APPROVED, second_round=False)
        .filter(student__active=True, student__school_id=term.school_id)  # F15: not who left the school
        .select_related("student")
        .prefetch_related("choices")
    )
    rows, waiting = [], {}
    for application in _order(applications, window):
        # F12: a choice whose group never meets on the family's days is passed over.
        choices = [
            c
            for c in sorted(application.choices.all(), key=lambda c: c.rank)
            if days_meet(application.days, meets.get(c.group_id, ""))
        ]
        seat = next((c.group_id for c in choices if free.get(c.group_id, 0) > 0), None)
        if seat:
            free[seat] -= 1
            rows.append(Placement(application=application, group_id=seat, status=Placement.Status.PLACED))
        elif choices:
            first = choices[0].group_id
            waiting[first] = waiting.get(first, 0) + 1
            rows.append(
                Placement(
                    application=application,
                    group_id=first,
                    status=Placement.Status.WAITLISTED,
                    position=waiting[first],
                )
            )
    Placement.objects.bulk_create(rows)
    window.placement_run_at = timezone.now()
    window.save(update_fields=["lottery_seed", "placement_run_at"])
    placed = sum(1 for r in rows if r.status == Placement.Status.PLACED)
    audit.record(
        actor=actor,
        verb="placement.run",
        target=term,
        changes={
            "placed": placed,
            "waitlisted": len(rows) - placed,
            "tie_break": window.tie_break,
            "seed": window.lottery_seed,
        },
    )
    return {"placed": placed, "waitlisted": len(rows) - placed}


@transaction.atomic
def placement_move(*, placement: Placement, group: ActivityGroup, actor: User) -> Placement:
    """The school admin moves a child to another group of the term (a seat if free, else its wait
    list). Raises ValidationError(code="term", "grade" or "days_mismatch")."""
    application = placement.application
    activity_services.term_refuse_if_archived(application.term)
    if group.term_id != application.term_id:
        raise ValidationError(_("Move only within the same term."), code="term")
    if str(application.student.class_group.grade) not in group.grades:
        raise ValidationError(_("That group is not open to this child's grade."), code="grade")
    _require_common_day(application.days, group)
    was_placed = placement.status == Placement.Status.PLACED
    old_group = placement.group
    Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.RELEASED, position=None)
    new = seat_take(application=application, group=group)
    audit.record(
        actor=actor,
        verb="placement.move",
        target=application,
        changes={"from": old_group.name, "to": group.name},
    )
    window = EnrollmentWindow.objects.get(term=application.term)
    if was_placed and window.published_at:
        waitlist_promote(group=old_group)
    return new


def _place_by_choices(application: Application) -> Placement | None:
    """A seat in the first ranked choice that has one, else the first choice's wait list (choices
    whose group meets on none of the family's days are passed over)."""
    choices = sorted(application.choices.all(), key=lambda c: c.rank)
    meets = groups_weekdays(c.group_id for c in choices)
    choices = [c for c in choices if days_meet(application.days, meets.get(c.group_id, ""))]
    for choice in choices:
        group = _lock(choice.group)
        if _placed_count(group) < group.capacity:
            return seat_take(application=application, group=group)
    return seat_take(application=application, group=choices[0].group) if choices else None


@transaction.atomic
def placement_publish(*, term: Term, actor: User) -> int:
    """Publish the allocation and tell every applying family its result. Raises ValidationError."""
    activity_services.term_refuse_if_archived(term)
    window = EnrollmentWindow.objects.select_for_update().get(term=term)
    if window.published_at:
        raise ValidationError(_("Placement has already been published."), code="published")
    if not window.placement_run_at:
        raise ValidationError(_("Run the placement first."), code="not_run")
    # Applications approved after the last run still get their turn: a free seat among their
    # ranked choices, else their first choice's wait list (in submission order).
    late = (
        Application.objects.filter(term=term, status=Application.Status.APPROVED, second_round=False)
        .exclude(placements__status__in=[Placement.Status.PLACED, Placement.Status.WAITLISTED])
        .order_by("submitted_at", "pk")
        .prefetch_related("choices__group")
    )
    for application in late:
        _place_by_choices(application)
    window.published_at = timezone.now()
    window.save(update_fields=["published_at"])
    audit.record(actor=actor, verb="placement.publish", target=term)
    placements = {
        p.application_id: p
        for p in Placement.objects.filter(group__term=term)
        .exclude(status=Placement.Status.RELEASED)
        .select_related("group")
    }
    sent = 0
    applications = list(
        Application.objects.filter(term=term, status=Application.Status.APPROVED).select_related(
            "guardian__user", "student"
        )
    )
    told = school_selectors.guardian_pairs_to_tell((a.guardian_id, a.student_id) for a in applications)
    for application in applications:
        if (application.guardian_id, application.student_id) not in told:
            continue  # the school restricted or ended the applicant's guardianship since
        placement = placements.get(application.pk)
        kind = {
            Placement.Status.PLACED: "enrollment/placed",
            Placement.Status.WAITLISTED: "enrollment/waitlisted",
        }.get(getattr(placement, "status", None), "enrollment/not_placed")
        notification_send(
            recipient=application.guardian.user,
            kind=kind,
            link=reverse("enrollment:family"),
            dedupe_key=f"published:{term.pk}:{application.pk}",
            placement=placement,
            group=getattr(placement, "group", None),
            student=application.student,
            position=getattr(placement, "position", None),
        )
        sent += 1
    return sent


@transaction.atomic
def second_round_open(*, term: Term, needs_review: bool, actor: User) -> EnrollmentWindow:
    """After publication, open the remaining seats first-come (补报). Raises ValidationError."""
    activity_services.term_refuse_if_archived(term)
    window = EnrollmentWindow.objects.select_for_update().get(term=term)
    if not window.published_at:
        raise ValidationError(_("Publish the placement before opening a second round."), code="not_published")
    window.second_round_open, window.second_round_needs_review = True, needs_review
    window.save(update_fields=["second_round_open", "second_round_needs_review"])
    audit.record(
        actor=actor, verb="placement.second_round_open", target=term, changes={"review": needs_review}
    )
    return window


# --- reminders (Celery beat looks for due rows; dedupe keys make each reminder go once) -------


def reminders_window_open(*, now: datetime.datetime | None = None) -> int:
    """Tell the guardians of each school whose window is open that they may apply. Each guardian once."""
    now = now or timezone.now()
    sent = 0
    for window in EnrollmentWindow.objects.filter(opens_at__lte=now, closes_at__gt=now).select_related(
        "term__school"
    ):
        told = school_selectors.guardianships_to_tell().filter(
            student__school=window.term.school, student__active=True
        )
        guardians = Guardian.objects.filter(pk__in=told.values("guardian_id")).select_related("user")
        for guardian in guardians:
            notification_send(
                recipient=guardian.user,
                kind="enrollment/window_open",
                link=reverse("enrollment:family"),
                dedupe_key=f"window_open:{window.term_id}:{guardian.pk}",
                term=window.term,
                window=window,
            )
            sent += 1
    return sent


def reminders_review_due(*, now: datetime.datetime | None = None, hours_before: int = 24) -> int:
    """Remind class teachers with applications still to review in the last day before the deadline."""
    now = now or timezone.now()
    sent = 0
    soon = now + datetime.timedelta(hours=hours_before)
    for window in EnrollmentWindow.objects.filter(review_deadline__gt=now, review_deadline__lte=soon):
        pending = {}
        for class_id in Application.objects.filter(
            term_id=window.term_id, status=Application.Status.SUBMITTED
        ).values_list("student__class_group_id", flat=True):
            pending[class_id] = pending.get(class_id, 0) + 1
        for membership in Membership.objects.filter(
            role=Role.CLASS_TEACHER, class_group_id__in=pending
        ).select_related("user"):
            notification_send(
                recipient=membership.user,
                kind="enrollment/review_due",
                link=reverse("enrollment:review"),
                dedupe_key=f"review_due:{window.term_id}:{membership.user_id}:{membership.class_group_id}",
                window=window,
                count=pending[membership.class_group_id],
            )
            sent += 1
    return sent


# --- which round takes applications now ------------------------------------------------------------


def application_round(*, term: Term) -> str:
    """Which round takes applications for the term now: "first", "second" or "" (none)."""
    _window, first_round, second_round = _window_state(term)
    return "first" if first_round else "second" if second_round else ""
