"""The safety lines of each staff role's "today" list on the home page (settings.HOME_TODAY).

Each provider takes the user and the day, scopes through schools.access and the safety selectors,
and costs a fixed number of queries however many schools, sessions or children there are
(tests/safety/test_today_home.py pins the counts at two sizes).
"""

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safety.models import CareAlert, Finding, Handover, Incident
from safety.selectors import attendance as selectors
from safety.selectors import records
from safety.services.release import UNRELEASED_GRACE_MINUTES
from schools import access
from schools.selectors_home import TodayItem

# Incidents this recent count as still open on the bureau's list (incidents have no closing step).
INCIDENT_OPEN_DAYS = 14


def _session_line(item: selectors.SessionRoster) -> TodayItem:
    """One session with its roll-call progress: marked (or on leave) of those on the roll."""
    session = item.session
    roll = item.roll
    marked = sum(1 for c in roll if c.status != "unmarked")
    return TodayItem(
        key="session",
        label=_("%(activity)s · %(group)s, %(start)s–%(end)s")
        % {
            "activity": session.group.activity.title,
            "group": session.group.name,
            "start": session.start.strftime("%H:%M"),
            "end": session.end.strftime("%H:%M"),
        },
        detail=_("Roll call: %(marked)s of %(total)s marked") % {"marked": marked, "total": len(roll)},
        url=reverse("safety:session", kwargs={"session_code": session.code}),
        count=len(roll) - marked,
        urgent=marked < len(roll) and timezone.localtime().time() >= session.start,
    )


def _not_released(items: list[selectors.SessionRoster], now: datetime.datetime) -> int:
    """Children still in care after the end of their session (and its grace minutes)."""
    return sum(
        1
        for child, item in selectors.care_sessions(items).values()
        if now >= selectors.due_at(item.session, UNRELEASED_GRACE_MINUTES)
    )


# --- school admin ---------------------------------------------------------------------------


def school_admin_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Today's sessions with roll-call progress, children not released after the end time, leave
    reported for today, open inspection findings and today's care alerts (at most 12 queries)."""
    school_ids = access.scope(user).admin_school_ids
    if not school_ids:
        return []
    items = selectors.rosters(selectors.school_sessions_on(school_ids, today))
    lines = [_session_line(item) for item in items]
    if not items:
        lines.append(TodayItem(key="no-sessions", label=_("No sessions today."), url=reverse("safety:today")))
    not_released = _not_released(items, timezone.now())
    lines.append(
        TodayItem(
            key="not-released",
            label=_("Children not released after the end time"),
            url=reverse("safety:still-here"),
            count=not_released,
            urgent=not_released > 0,
        )
    )
    leaves = (
        selectors.leaves_for(user)
        .filter(
            student__school_id__in=school_ids, start__lte=today, end__gte=today, cancellation__isnull=True
        )
        .count()
    )
    lines.append(
        TodayItem(
            key="leave",
            label=_("Leave reported for today"),
            url=reverse("safety:attendance-records"),
            count=leaves,
        )
    )
    findings = records.findings_for(user).filter(signoff__isnull=True)
    counts = findings.aggregate(open=_count_all(), overdue=_count_all(Q(deadline__lt=today)))
    lines.append(
        TodayItem(
            key="findings",
            label=_("Open inspection findings"),
            detail=_("%(n)s past the deadline") % {"n": counts["overdue"]} if counts["overdue"] else "",
            url=reverse("safety:inspections"),
            count=counts["open"],
            urgent=counts["overdue"] > 0,
        )
    )
    alerts = CareAlert.objects.filter(school_id__in=school_ids, date=today).count()
    lines.append(
        TodayItem(
            key="alerts",
            label=_("Care alerts today"),
            url=reverse("safety:still-here"),
            count=alerts,
            urgent=alerts > 0,
        )
    )
    return lines


def _count_all(condition: Q | None = None) -> Count:
    return Count("pk", filter=condition)


# --- class teacher --------------------------------------------------------------------------


def class_teacher_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Each of the teacher's classes today: children in sessions, on leave, and the handover state
    (at most 9 queries, however many classes)."""
    classes = selectors.teacher_classes(user=user)
    if not classes:
        return []
    items = selectors.rosters(selectors.school_sessions_on({c.school_id for c in classes}, today))
    lines = []
    for group in classes:
        children, handed, pending = 0, 0, 0
        on_leave = 0
        for item in items:
            mine = [
                c for c in item.children if c.student.class_group_id == group.pk and c.transfer_in is None
            ]
            if not mine:
                continue
            children += sum(1 for c in mine if c.expected)
            on_leave += sum(1 for c in mine if c.leave is not None)
            handover = next(
                (h for h in item.handovers if h.kind == Handover.Kind.CLASS and h.class_group_id == group.pk),
                None,
            )
            if handover is None:
                pending += 1
            else:
                handed += 1
        if not children and not on_leave:
            state = _("No children of the class in a session today.")
        elif pending:
            state = _("Handover due: %(n)s session(s) not handed over yet") % {"n": pending}
        else:
            state = _("Handed over to every session")
        lines.append(
            TodayItem(
                key="class",
                label=_("%(class)s: %(children)s in the service today, %(leave)s on leave")
                % {"class": group.display_name, "children": children, "leave": on_leave},
                detail=state,
                url=reverse("safety:class-day", kwargs={"class_code": group.code}),
                count=pending,
                urgent=pending > 0,
            )
        )
    return lines


# --- service teacher ------------------------------------------------------------------------


def service_teacher_today(*, user, today: datetime.date) -> list[TodayItem]:
    """The teacher's sessions now and next today, handovers waiting for them, and the way to
    earlier sessions (at most 12 queries)."""
    items = selectors.teacher_today(user=user, today=today)
    local = timezone.localtime().time()
    lines = []
    for item in items:
        if item.session.end < local:
            continue  # over: reachable from the session history
        line = _session_line(item)
        lines.append(
            TodayItem(
                key="session-now" if item.session.start <= local else "session-next",
                label=(_("Now: %(session)s") if item.session.start <= local else _("Next: %(session)s"))
                % {"session": line.label},
                detail=line.detail,
                url=line.url,
                count=line.count,
                urgent=line.urgent,
            )
        )
    if not lines:
        lines.append(
            TodayItem(key="no-sessions", label=_("No more sessions today."), url=reverse("safety:today"))
        )
    pending = selectors.pending_for_receiver(user=user, today=today)
    if pending:
        lines.append(
            TodayItem(
                key="handovers",
                label=_("Handovers waiting for your confirmation"),
                url=reverse("safety:today"),
                count=len(pending),
                urgent=True,
            )
        )
    lines.append(
        TodayItem(
            key="history",
            label=_("Earlier sessions and roll-call corrections"),
            url=reverse("safety:history"),
        )
    )
    return lines


# --- bureau officer -------------------------------------------------------------------------


def bureau_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Schools with recent incidents and overdue rectifications in the officer's regions (2 queries)."""
    paths = access.scope(user).region_paths
    if not paths:
        return []
    under = access.paths_q("school__region__report_path", paths)
    since = timezone.make_aware(datetime.datetime.combine(today, datetime.time())) - datetime.timedelta(
        days=INCIDENT_OPEN_DAYS
    )
    incident_schools = (
        Incident.objects.filter(under, occurred_at__gte=since).values("school_id").distinct().count()
    )
    overdue = Finding.objects.filter(under, signoff__isnull=True, deadline__lt=today).aggregate(
        n=_count_all(), schools=Count("school_id", distinct=True)
    )
    return [
        TodayItem(
            key="incident-schools",
            label=_("Schools with incidents in the last %(days)s days") % {"days": INCIDENT_OPEN_DAYS},
            url=reverse("safety:incidents"),
            count=incident_schools,
            urgent=incident_schools > 0,
        ),
        TodayItem(
            key="overdue-rectifications",
            label=_("Overdue rectifications"),
            detail=_("at %(n)s school(s)") % {"n": overdue["schools"]} if overdue["n"] else "",
            url=reverse("oversight:dashboard"),
            count=overdue["n"],
            urgent=overdue["n"] > 0,
        ),
    ]
