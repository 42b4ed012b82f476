"""Roll call (M4, H4: 考勤): who is expected, the whole class in one request with a fixed number of
queries, corrections as new audited records, and the absence alert, once."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import MakeupDay, Session
from audit.models import AuditEvent
from enrollment.models import Application, Placement
from notices.models import Notification
from safety.models import Attendance, CareAlert
from safety.selectors import attendance as selectors
from safety.services import attendance as services
from safety.services.alerts import class_teacher
from tests.support.attendance import DAY, at, care_session, children, new_class

pytestmark = pytest.mark.django_db

# The roll-call page of a signed-in teacher, warm: the session in the user's scope, the roster
# (runs-as, placements, transfers, leave, marks, releases, handovers), the term's archive flag and
# the access log's insert.
ROLL_PAGE_QUERIES = 10
# Its submit: the page's reads, then the lock, one count instead of the roster read again, the
# marks' insert, the session's flag and the audit row (and the session's savepoints).
ROLL_SAVE_QUERIES = 16


def roll_url(session):
    return reverse("safety:roll-call", kwargs={"session_code": session.code})


# --- who is expected ---------------------------------------------------------------------------


def test_it_expects_placed_approved_children_on_their_days_minus_leave(demo):
    care = care_session(demo, count=4)
    first, second, third, fourth = care.students
    # Third applied for Tuesdays only; fourth's seat was given back; second is on leave that day.
    Application.objects.filter(student=third).update(days="2")
    Placement.objects.filter(application__student=fourth).update(status=Placement.Status.RELEASED)
    with time_machine.travel(at(9), tick=False):
        services.leave_report(student=second, actor=care.guardian(second).user, start=DAY, end=DAY)
    roster = selectors.roster(care.session)
    assert [c.student for c in roster.roll] == [first, second]
    assert roster.expected_count == 1
    assert [c.student for c in roster.on_leave] == [second]


def test_it_uses_the_weekday_a_makeup_day_runs_as(demo):
    care = care_session(demo, count=2, days="1")  # Mondays only
    saturday = DAY + datetime.timedelta(days=5)
    makeup = Session.objects.create(
        group=care.group,
        date=saturday,
        start=care.session.start,
        end=care.session.end,
        venue=care.session.venue,
        lead=care.lead,
    )
    MakeupDay.objects.create(term=care.term, date=saturday, runs_as=1)
    assert len(selectors.roster(makeup).roll) == 2
    MakeupDay.objects.filter(term=care.term, date=saturday).update(runs_as=2)
    assert selectors.roster(makeup).roll == []


def test_a_withdrawn_application_is_not_expected(demo):
    care = care_session(demo, count=2)
    Application.objects.filter(student=care.students[0]).update(status=Application.Status.WITHDRAWN)
    assert [c.student for c in selectors.roster(care.session).roll] == [care.students[1]]


# --- saving the roll -----------------------------------------------------------------------------


def test_it_saves_the_whole_class_in_one_request_and_marks_the_session(demo, client):
    care = care_session(demo, count=4)
    a, b, c, d = care.students
    with time_machine.travel(at(16, 5), tick=False):
        client.force_login(care.lead)
        response = client.post(
            roll_url(care.session),
            {
                f"s-{a.code}": "present",
                f"s-{b.code}": "late",
                f"s-{c.code}": "absent",
                f"s-{d.code}": "left_early",
            },
        )
    assert response.status_code == 302
    marks = {m.student_id: m.status for m in Attendance.objects.filter(session=care.session)}
    assert marks == {a.pk: "present", b.pk: "late", c.pk: "absent", d.pk: "left_early"}
    care.session.refresh_from_db()
    assert care.session.has_records  # regeneration keeps it
    event = AuditEvent.objects.get(verb="attendance.roll_call", target_id=str(care.session.code))
    assert event.changes == {"marked": 4, "corrections": []}


def test_a_correction_is_a_new_audited_record_never_an_edit(demo):
    care = care_session(demo, count=2)
    a, b = care.students
    with time_machine.travel(at(16, 5), tick=False):
        services.roll_call_save(
            session=care.session, actor=care.lead, marks={a.pk: "absent", b.pk: "present"}
        )
    with time_machine.travel(at(16, 9), tick=False):
        result = services.roll_call_save(
            session=care.session, actor=care.lead, marks={a.pk: "present", b.pk: "present"}
        )
    assert result == {"saved": 1, "corrections": 1, "absent": []}
    rows = list(Attendance.objects.filter(session=care.session, student=a).order_by("revision"))
    assert [(r.revision, r.status) for r in rows] == [(1, "absent"), (2, "present")]
    assert selectors.roster(care.session).roll[0].mark.status == "present"
    event = AuditEvent.objects.filter(verb="attendance.roll_call").order_by("-at", "-id").first()
    assert event.changes["corrections"] == [{"student": str(a.code), "from": "absent", "to": "present"}]
    with pytest.raises(PermissionError):
        rows[0].save()
    with pytest.raises(PermissionError):
        Attendance.objects.filter(pk=rows[0].pk).update(status="present")
    with pytest.raises(PermissionError):
        rows[0].delete()


def test_children_on_leave_get_an_on_leave_mark_and_cannot_be_marked(demo):
    care = care_session(demo, count=2)
    a, b = care.students
    with time_machine.travel(at(9), tick=False):
        services.leave_report(student=b, actor=care.guardian(b).user, start=DAY, end=DAY, reason="看牙医")
    with time_machine.travel(at(16, 5), tick=False):
        services.roll_call_save(session=care.session, actor=care.lead, marks={a.pk: "present"})
        with pytest.raises(ValidationError) as error:
            services.roll_call_save(session=care.session, actor=care.lead, marks={b.pk: "present"})
    assert error.value.code == "not_expected"
    assert Attendance.objects.get(session=care.session, student=b).status == "on_leave"


def test_the_roll_cannot_be_called_before_the_day(demo):
    care = care_session(demo, count=1)
    with time_machine.travel(at(16, 5, DAY - datetime.timedelta(days=1)), tick=False):
        with pytest.raises(ValidationError) as error:
            services.roll_call_save(
                session=care.session, actor=care.lead, marks={care.students[0].pk: "present"}
            )
    assert error.value.code == "not_today"


def test_a_rejected_roll_keeps_what_was_tapped(demo, client):
    care = care_session(demo, count=2)
    a, b = care.students
    with time_machine.travel(at(16, 5), tick=False):
        client.force_login(care.lead)
        response = client.post(roll_url(care.session), {f"s-{a.code}": "present", f"s-{b.code}": "asleep"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="s-{a.code}-present" value="present" autocomplete="off" checked' in page
    assert not Attendance.objects.filter(session=care.session).exists()


def _roll_post_queries(demo, client, count):
    class_group = new_class(demo.school("s1"), grade=4)
    care = care_session(demo, students=children(class_group, count))
    data = {f"s-{s.code}": ("absent" if i % 10 == 0 else "present") for i, s in enumerate(care.students)}
    with time_machine.travel(at(16, 5), tick=False):
        client.force_login(care.lead)
        client.get(roll_url(care.session))  # warm the session and caches alike for both sizes
        with CaptureQueriesContext(connection) as queries:
            response = client.post(roll_url(care.session), data)
    assert response.status_code == 302
    assert Attendance.objects.filter(session=care.session).count() == count
    return len(queries)


def test_saving_the_roll_for_20_and_for_60_children_takes_the_same_number_of_queries(demo, client):
    twenty = _roll_post_queries(demo, client, 20)
    sixty = _roll_post_queries(demo, client, 60)
    assert twenty == sixty, (twenty, sixty)
    assert sixty == ROLL_SAVE_QUERIES


def test_the_roll_call_page_costs_the_same_for_20_and_60_children(
    demo, client, django_assert_max_num_queries
):
    for count in (20, 60):
        class_group = new_class(demo.school("s1"), grade=5)
        care = care_session(demo, students=children(class_group, count))
        with time_machine.travel(at(16, 5), tick=False):
            client.force_login(care.lead)
            client.get(roll_url(care.session))
            with django_assert_max_num_queries(20):
                assert client.get(roll_url(care.session)).status_code == 200


def _queries(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries]


def test_the_roll_call_page_reads_a_fixed_small_number_of_queries_and_not_who_marked(demo, client):
    care = care_session(demo, count=5)
    with time_machine.travel(at(16, 5), tick=False):
        services.roll_call_save(session=care.session, actor=care.lead, marks={care.students[0].pk: "present"})
        client.force_login(care.lead)
        client.get(roll_url(care.session))
        sql = _queries(lambda: client.get(roll_url(care.session)))
    marks = [q for q in sql if "safety_attendance" in q and q.startswith("SELECT")]
    assert len(marks) == 1 and "auth_user" not in marks[0] and "schools_user" not in marks[0]
    assert len(sql) == ROLL_PAGE_QUERIES, sql


def test_saving_the_roll_reuses_the_pages_roster_when_no_mark_was_written_since(demo):
    care = care_session(demo, count=3)
    marks = {s.pk: "present" for s in care.students}
    with time_machine.travel(at(16, 5), tick=False):
        read = selectors.roster(care.session)
        reused = _queries(
            lambda: services.roll_call_save(session=care.session, actor=care.lead, marks=marks, roster=read)
        )
        again = _queries(
            lambda: services.roll_call_save(
                session=care.session, actor=care.lead, marks={care.students[0].pk: "late"}
            )
        )
    # The roster's reads (placements, leave, marks, releases, handovers …) become one count.
    assert len(again) - len(reused) >= 4, (len(reused), len(again))
    assert Attendance.objects.filter(session=care.session, revision=1).count() == 3


def test_a_roster_read_before_another_save_is_read_again_under_the_lock(demo):
    care = care_session(demo, count=3)
    first = care.students[0]
    with time_machine.travel(at(16, 5), tick=False):
        stale = selectors.roster(care.session)  # the page of one teacher
        services.roll_call_save(  # another teacher saves first
            session=care.session, actor=care.lead, marks={s.pk: "present" for s in care.students}
        )
        result = services.roll_call_save(
            session=care.session, actor=care.lead, marks={first.pk: "absent"}, roster=stale
        )
    assert result["saved"] == 1 and result["corrections"] == 1
    latest = Attendance.objects.filter(session=care.session, student=first).order_by("-revision").first()
    assert (latest.revision, latest.status) == (2, "absent")


# --- absence alerts ------------------------------------------------------------------------------


def absence_notices(student):
    return Notification.objects.filter(kind="safety/absent", dedupe_key__startswith="absent:").filter(
        dedupe_key__contains=str(student.code)
    )


def test_an_expected_child_marked_absent_alerts_the_guardian_and_class_teacher_once(
    demo, django_capture_on_commit_callbacks
):
    care = care_session(demo, count=2, class_group=demo.klass("s1", 3, 1))
    absent = care.students[0]
    with time_machine.travel(at(16, 5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.roll_call_save(session=care.session, actor=care.lead, marks={absent.pk: "absent"})
        assert services.absence_sweep() == 0  # the task raised it already
        services.absence_alerts_send(session_id=care.session.pk, student_ids=[absent.pk])  # a retried task
    recipients = sorted(absence_notices(absent).values_list("recipient__username", flat=True))
    assert recipients == sorted([care.guardian(absent).user.username, "s1_head31"])
    assert class_teacher(absent).username == "s1_head31"
    assert CareAlert.objects.filter(kind="absent", student=absent).count() == 1


def test_a_child_not_marked_present_in_time_alerts_once_however_often_the_sweep_runs(demo):
    care = care_session(demo, count=2)
    here, missing = care.students
    with time_machine.travel(at(16, 5), tick=False):
        services.roll_call_save(session=care.session, actor=care.lead, marks={here.pk: "present"})
    with time_machine.travel(at(16, 14), tick=False):
        services.absence_sweep()
        assert not absence_notices(missing).exists()  # not yet: 15 minutes after the start
    with time_machine.travel(at(16, 16), tick=False):
        for _ in range(3):
            services.absence_sweep()
    assert absence_notices(missing).count() == 1  # the guardian; the new class has no class teacher
    assert not absence_notices(here).exists()
    body = absence_notices(missing).get().body
    assert "仍未被点名到场" in body


def test_a_child_on_leave_raises_no_alert(demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    with time_machine.travel(at(9), tick=False):
        services.leave_report(student=child, actor=care.guardian(child).user, start=DAY, end=DAY)
    with time_machine.travel(at(16, 30), tick=False):
        services.absence_sweep()
    assert not absence_notices(child).exists()


# --- the roll call page -------------------------------------------------------------------------


def test_the_roll_call_page_shows_children_on_leave_as_on_leave(demo, client):
    care = care_session(demo, count=2)
    a, b = care.students
    with time_machine.travel(at(9), tick=False):
        services.leave_report(student=b, actor=care.guardian(b).user, start=DAY, end=DAY)
    with time_machine.travel(at(16, 5), tick=False):
        client.force_login(care.lead)
        page = client.get(roll_url(care.session)).content.decode()
    assert f'name="s-{a.code}"' in page
    assert f'name="s-{b.code}"' not in page
    assert "请假" in page


def test_the_roll_call_buttons_carry_the_childs_name_escaped_and_the_chosen_mark(demo, client):
    care = care_session(demo, count=2)
    first, second = care.students
    type(first).objects.filter(pk=first.pk).update(name='"<b>小</b>')
    with time_machine.travel(at(16, 5), tick=False):
        services.roll_call_save(session=care.session, actor=care.lead, marks={second.pk: "late"})
        client.force_login(care.lead)
        page = client.get(roll_url(care.session)).content.decode()
    assert 'aria-label="&quot;&lt;b&gt;小&lt;/b&gt;"' in page and "<b>小" not in page
    name = f"s-{second.code}"
    assert f'id="{name}-late" value="late" autocomplete="off" checked>' in page
    assert f'id="{name}-present" value="present" autocomplete="off">' in page
    assert f'<label class="btn btn-outline-danger" for="{name}-absent">' in page


@pytest.mark.parametrize("username", ["s1_guard", "s1_parent", "s2_admin", "s1_head32", "zy_bureau"])
def test_nobody_outside_the_session_sees_or_saves_its_roll(demo, client, username):
    care = care_session(demo, count=1)
    with time_machine.travel(at(16, 5), tick=False):
        client.force_login(demo.user(username))
        assert client.get(roll_url(care.session)).status_code == 404
        response = client.post(roll_url(care.session), {f"s-{care.students[0].code}": "present"})
    assert response.status_code == 404
    assert not Attendance.objects.filter(session=care.session).exists()


def test_another_teacher_of_the_school_cannot_call_the_roll(demo, client):
    care = care_session(demo, count=1)
    other = care_session(demo, count=1, start=datetime.time(17), end=datetime.time(18))
    with time_machine.travel(at(16, 5), tick=False):
        client.force_login(other.lead)
        assert client.get(roll_url(care.session)).status_code == 404


def test_the_school_admin_and_an_assistant_may_call_the_roll(demo, client):
    care = care_session(demo, count=1)
    assistant = care_session(demo, count=1, start=datetime.time(17), end=datetime.time(18)).lead
    care.group.assistants.add(assistant)
    for user in (demo.user("s1_admin"), assistant):
        with time_machine.travel(at(16, 5), tick=False):
            client.force_login(user)
            assert client.get(roll_url(care.session)).status_code == 200


def test_the_today_page_lists_the_teachers_sessions_with_counts(demo, client):
    care = care_session(demo, count=3)
    with time_machine.travel(at(16, 5), tick=False):
        services.roll_call_save(
            session=care.session,
            actor=care.lead,
            marks={care.students[0].pk: "present", care.students[1].pk: "absent"},
        )
        client.force_login(care.lead)
        page = client.get(reverse("safety:today")).content.decode()
    assert care.group.name in page
    counts = page.split('class="d-flex flex-wrap gap-1 small counts"')[1].split("</div>")[0]
    assert "应到3" in counts and "到场1" in counts and "缺勤1" in counts and "未点名1" in counts


def test_the_today_page_is_for_teachers_only(demo, client):
    for username in ("s1_parent", "zy_bureau", "s1_guard"):
        client.force_login(demo.user(username))
        assert client.get(reverse("safety:today")).status_code == 404
