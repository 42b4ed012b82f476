"""The "today" list of each staff role on the home page: every line links to where it is handled,
and the page costs the same number of queries with 5 or 40 children per session and 1 or 3 sessions."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from enrollment import home as enrollment_home
from enrollment.models import Application
from safety import home
from safety.models import Finding, Incident
from safety.services import attendance as attendance_services
from safety.services import handover as handover_services
from schools.selectors_home import TodayItem
from subsidies import home as subsidies_home
from tests.support.attendance import DAY, at, care_session, children, new_class

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The lines' texts are compared in English (the msgids)."""
    with translation.override("en"):
        yield


def by_key(items: list[TodayItem], key: str) -> list[TodayItem]:
    return [i for i in items if i.key == key]


def one(items: list[TodayItem], key: str) -> TodayItem:
    found = by_key(items, key)
    assert len(found) == 1, (key, items)
    return found[0]


def session_url(session) -> str:
    return reverse("safety:session", kwargs={"session_code": session.code})


def mark(care, statuses: dict, hour=16, minute=5):
    with time_machine.travel(at(hour, minute), tick=False):
        attendance_services.roll_call_save(
            session=care.session, actor=care.lead, marks={s.pk: v for s, v in statuses.items()}
        )


# --- school admin ---------------------------------------------------------------------------


def test_the_school_admin_sees_each_session_with_its_roll_call_progress(demo):
    care = care_session(demo, count=4)
    mark(care, {care.students[0]: "present", care.students[1]: "absent"})
    with time_machine.travel(at(16, 10), tick=False):
        items = home.school_admin_today(user=demo.user("s1_admin"), today=DAY)
    line = next(i for i in by_key(items, "session") if i.url == session_url(care.session))
    assert line.detail == "Roll call: 2 of 4 marked"
    assert line.count == 2 and line.urgent  # started, two not marked yet
    assert care.group.name in line.label


def test_children_not_released_after_the_end_time_are_counted_and_link_to_the_board(demo):
    care = care_session(demo, count=3)
    mark(care, dict.fromkeys(care.students, "present"))
    admin = demo.user("s1_admin")
    with time_machine.travel(at(17, 10), tick=False):  # ended, still within the grace minutes
        before_due = one(home.school_admin_today(user=admin, today=DAY), "not-released")
    with time_machine.travel(at(17, 45), tick=False):
        overdue = one(home.school_admin_today(user=admin, today=DAY), "not-released")
    assert before_due.count == 0
    assert overdue.count == 3 and overdue.urgent
    assert overdue.url == reverse("safety:still-here")


def test_leave_for_today_and_open_findings_are_counted(demo):
    care = care_session(demo, count=2)
    admin = demo.user("s1_admin")
    with time_machine.travel(at(9), tick=False):
        before = home.school_admin_today(user=admin, today=DAY)
        student = care.students[0]
        attendance_services.leave_report(
            student=student, actor=care.guardian(student).user, start=DAY, end=DAY
        )
        after = home.school_admin_today(user=admin, today=DAY)
    assert one(after, "leave").count == one(before, "leave").count + 1
    findings = Finding.objects.filter(school=demo.school("s1"), signoff__isnull=True)
    assert one(after, "findings").count == findings.count()
    assert one(after, "findings").url == reverse("safety:inspections")


def test_the_school_admin_sees_reviews_and_placements_waiting(demo):
    care = care_session(demo, count=1)
    admin = demo.user("s1_admin")
    before = enrollment_home.school_admin_today(user=admin, today=DAY)
    # An approved application without a seat: waiting for placement.
    student = children(new_class(demo.school("s1")), 1)[0]
    Application.objects.create(
        term=care.term,
        student=student,
        guardian=care.guardian(student),
        status=Application.Status.APPROVED,
        days="12345",
        pickup=Application.Pickup.GUARDIAN,
        safety_commitment=True,
        submitted_at=timezone.now(),
    )
    after = enrollment_home.school_admin_today(user=admin, today=DAY)
    assert one(after, "placements").count == one(before, "placements").count + 1
    assert one(after, "reviews").count == one(before, "reviews").count
    assert one(after, "placements").url == reverse("enrollment:admin")


def test_another_school_admin_sees_none_of_it(demo):
    care = care_session(demo, count=2)
    with time_machine.travel(at(16, 10), tick=False):
        items = home.school_admin_today(user=demo.user("s2_admin"), today=DAY)
    assert session_url(care.session) not in {i.url for i in items}


def test_the_home_page_shows_the_admins_list_with_links(client, demo):
    care = care_session(demo, count=2)
    with time_machine.travel(at(16, 10), tick=False):
        client.force_login(demo.user("s1_admin"))
        page = client.get(reverse("home")).content.decode()
    assert 'id="today-school_admin"' in page
    assert session_url(care.session) in page
    assert reverse("safety:still-here") in page and reverse("notices:inbox") in page


def _admin_home_queries(demo, client, count: int, sessions: int) -> int:
    class_group = new_class(demo.school("s1"), grade=5)
    for i in range(sessions):
        start, end = datetime.time(16, 30 * (i % 2)), datetime.time(17 + i // 2, 30 * (i % 2))
        care = care_session(demo, students=children(class_group, count), start=start, end=end)
        mark(care, dict.fromkeys(care.students, "present"), hour=17, minute=40)
    with time_machine.travel(at(18), tick=False):
        client.force_login(demo.user("s1_admin"))
        client.get(reverse("home"))  # warm the session alike for both sizes
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


def test_the_admins_home_costs_the_same_for_5_and_40_children_and_1_and_3_sessions(demo, client):
    small = _admin_home_queries(demo, client, 5, 1)
    large = _admin_home_queries(demo, client, 40, 3)
    assert small == large, (small, large)
    assert small <= 19  # the same page without sessions costs 12 (tests/schools/test_home.py)


# --- class teacher --------------------------------------------------------------------------


def test_the_class_teacher_sees_the_class_today_with_its_handover_state(demo):
    head = demo.user("s1_head31")
    care = care_session(demo, count=3, class_group=demo.klass("s1", 3, 1))
    with time_machine.travel(at(15, 50), tick=False):
        before = one(home.class_teacher_today(user=head, today=DAY), "class")
        handover_services.handover_class_give(
            session=care.session, class_group=care.class_group, actor=head, count=3
        )
        after = one(home.class_teacher_today(user=head, today=DAY), "class")
    assert before.count == after.count + 1
    assert before.url == reverse("safety:class-day", kwargs={"class_code": care.class_group.code})
    assert care.class_group.display_name in before.label
    assert "Handover due" in before.detail


def test_the_class_teacher_sees_applications_waiting_for_review(demo):
    items = enrollment_home.class_teacher_today(user=demo.user("s1_head31"), today=DAY)
    assert one(items, "reviews").url == reverse("enrollment:review")


# --- service teacher ------------------------------------------------------------------------


def test_the_service_teacher_sees_the_session_now_then_next_then_the_history(demo):
    care = care_session(demo, count=2, start=datetime.time(16, 0), end=datetime.time(17, 0))
    with time_machine.travel(at(15), tick=False):
        next_ = home.service_teacher_today(user=care.lead, today=DAY)
    with time_machine.travel(at(16, 30), tick=False):
        now = home.service_teacher_today(user=care.lead, today=DAY)
    with time_machine.travel(at(18), tick=False):
        over = home.service_teacher_today(user=care.lead, today=DAY)
    assert one(next_, "session-next").url == session_url(care.session)
    assert one(now, "session-now").url == session_url(care.session)
    assert not by_key(over, "session-now") and not by_key(over, "session-next")
    assert one(over, "history").url == reverse("safety:history")


def test_yesterdays_session_is_reachable_from_the_history_and_its_roll_can_be_corrected(client, demo):
    care = care_session(demo, count=2)
    mark(care, {care.students[0]: "absent", care.students[1]: "present"})
    with time_machine.travel(at(9, day=DAY + datetime.timedelta(days=1)), tick=False):
        client.force_login(care.lead)
        page = client.get(reverse("safety:history")).content.decode()
        roll = reverse("safety:roll-call", kwargs={"session_code": care.session.code})
        assert session_url(care.session) in page and roll in page
        response = client.post(roll, {f"s-{s.code}": "present" for s in care.students})
    assert response.status_code == 302
    other = care_session(demo, count=1)
    with time_machine.travel(at(9, day=DAY + datetime.timedelta(days=1)), tick=False):
        page = client.get(reverse("safety:history")).content.decode()
    assert session_url(other.session) not in page  # another teacher's group


def _teacher_home_queries(demo, client, count: int, sessions: int) -> int:
    head = demo.user("s1_head31")
    class_group = demo.klass("s1", 3, 1)
    lead = None
    for i in range(sessions):
        # Back to back, so that one teacher leads them all.
        start, end = (
            datetime.time(16 + i // 2, 30 * (i % 2)),
            datetime.time(16 + (i + 1) // 2, 30 * ((i + 1) % 2)),
        )
        care = care_session(demo, students=children(class_group, count), start=start, end=end, lead=lead)
        lead = care.lead
    with time_machine.travel(at(16, 40), tick=False):
        counts = []
        for user in (head, lead):
            client.force_login(user)
            client.get(reverse("home"))
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("home")).status_code == 200
            counts.append(len(queries))
    return counts


def test_the_teachers_homes_cost_the_same_for_5_and_40_children_and_1_and_3_sessions(demo, client):
    small = _teacher_home_queries(demo, client, 5, 1)
    large = _teacher_home_queries(demo, client, 40, 3)
    assert small == large, (small, large)


# --- bureau ---------------------------------------------------------------------------------


def _bureau_expected(demo, keys, today):
    schools = [demo.school(k) for k in keys]
    since = timezone.make_aware(datetime.datetime.combine(today, datetime.time())) - datetime.timedelta(
        days=home.INCIDENT_OPEN_DAYS
    )
    incident_schools = (
        Incident.objects.filter(school__in=schools, occurred_at__gte=since)
        .values("school_id")
        .distinct()
        .count()
    )
    overdue = Finding.objects.filter(school__in=schools, signoff__isnull=True, deadline__lt=today).count()
    return incident_schools, overdue


@pytest.mark.parametrize(("username", "keys"), [("zy_bureau", ["s1", "s4"]), ("gy_bureau", ["s3"])])
def test_the_bureau_sees_incident_schools_overdue_rectifications_and_claims_of_its_region(
    demo, username, keys
):
    officer = demo.user(username)
    today = timezone.localdate()
    items = home.bureau_today(user=officer, today=today)
    items += subsidies_home.bureau_today(user=officer, today=today)
    incident_schools, overdue = _bureau_expected(demo, keys, today)
    assert one(items, "incident-schools").count == incident_schools
    assert one(items, "incident-schools").url == reverse("safety:incidents")
    assert one(items, "overdue-rectifications").count == overdue
    assert one(items, "claims").url == reverse("subsidies:claim-queue") + "?status=submitted"


def test_the_demo_has_an_overdue_rectification_under_zy_bureau(demo):
    """The line above counts something real: s1's demo finding past its deadline."""
    items = home.bureau_today(user=demo.user("zy_bureau"), today=timezone.localdate())
    assert one(items, "overdue-rectifications").count >= 1
    assert one(items, "overdue-rectifications").urgent
