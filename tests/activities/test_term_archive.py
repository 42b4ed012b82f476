"""F15: a term is archived (read-only) from the day after its last day: roll call, leave, release,
applications, placements and group edits are refused with code term_archived; on the last day they
still work; the archived term's records stay visible to the school and to families."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import services
from activities.models import Term
from enrollment import services as enrollment_services
from enrollment.models import Application, Placement
from safety.models import Attendance, Release
from safety.services import attendance, release
from tests.support import builders
from tests.support.attendance import at, care_session

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST = datetime.date(2027, 1, 22)  # the last day of the demo's autumn term 2026 (a Friday)
AFTER = datetime.date(2027, 1, 25)


def _after(hour: int = 10):
    return time_machine.travel(at(hour, day=AFTER), tick=False)


def _release(care, child, *, now):
    return release.release_record(
        session=care.session,
        student=child,
        actor=care.lead,
        guardian=care.guardian(child),
        verification="photo",
        now=now,
    )


def _held_and_released(care, child, *, on):
    """Everybody present at the session on day `on`, then `child` handed to its guardian."""
    marks = {s.pk: "present" for s in care.students}
    attendance.roll_call_save(session=care.session, actor=care.lead, marks=marks, now=at(16, 5, on))
    return _release(care, child, now=at(17, 2, on))


@pytest.fixture
def care(demo):
    care = care_session(demo, count=2, day=LAST)
    assert care.term.end == LAST
    return care


def test_the_archive_rule_reads_the_terms_dates(demo, care):
    assert not care.term.archived_on(LAST)
    assert care.term.archived_on(LAST + datetime.timedelta(days=1))
    assert list(Term.objects.filter(pk=care.term.pk).archived_on(AFTER)) == [care.term]
    assert not Term.objects.filter(pk=care.term.pk).live_on(AFTER).exists()


def test_on_the_last_day_roll_call_and_release_still_work(demo, care):
    child = care.students[0]
    record = _held_and_released(care, child, on=LAST)
    assert record.date == LAST
    assert Attendance.objects.filter(session=care.session).count() == 2


def test_after_the_end_roll_call_leave_and_release_are_refused(demo, care):
    child = care.students[0]
    with pytest.raises(ValidationError) as refused:
        attendance.roll_call_save(
            session=care.session, actor=care.lead, marks={child.pk: "present"}, now=at(9, day=AFTER)
        )
    assert refused.value.code == "term_archived"
    assert "2026年秋季学期" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        attendance.leave_report(
            student=child, actor=care.guardian(child).user, session=care.session, now=at(9, day=AFTER)
        )
    assert refused.value.code == "term_archived"
    with pytest.raises(ValidationError) as refused:
        _release(care, child, now=at(17, day=AFTER))
    assert refused.value.code == "term_archived"
    assert not Attendance.objects.filter(session=care.session).exists()


def test_after_the_end_applications_and_placements_are_refused(demo, care):
    child = care.students[0]
    application = Application.objects.get(term=care.term, student=child)
    placement = Placement.objects.get(application=application)
    other = builders.group(
        activity=care.group.activity,
        term=care.term,
        venue=care.group.venue,
        lead=builders.staff(care.term.school),
        actor=demo.user("s1_admin"),
        slots=[(1, datetime.time(16, 0), datetime.time(17, 0))],
    )
    with _after():
        with pytest.raises(ValidationError) as refused:
            enrollment_services.application_submit(
                guardian=care.guardian(care.students[1]),
                student=care.students[1],
                term=care.term,
                days="12345",
                group_ids=[care.group.pk],
                pickup=Application.Pickup.GUARDIAN,
                safety_commitment=True,
            )
        assert refused.value.code == "term_archived"
        with pytest.raises(ValidationError) as refused:
            enrollment_services.placement_move(placement=placement, group=other, actor=demo.user("s1_admin"))
        assert refused.value.code == "term_archived"
        with pytest.raises(ValidationError) as refused:
            enrollment_services.seat_take(application=application, group=other)
        assert refused.value.code == "term_archived"
        with pytest.raises(ValidationError) as refused:
            enrollment_services.placement_run(term=care.term, actor=demo.user("s1_admin"))
        assert refused.value.code == "term_archived"
    placement.refresh_from_db()
    assert placement.group_id == care.group.pk and placement.status == Placement.Status.PLACED


def test_after_the_end_group_edits_are_refused_and_its_pages_are_read_only(demo, client, care):
    admin = demo.user("s1_admin")
    group = care.group
    with _after():
        with pytest.raises(ValidationError) as refused:
            services.group_save(
                activity=group.activity,
                term=care.term,
                name=group.name,
                lead=group.lead,
                venue=group.venue,
                grades=group.grades,
                capacity=group.capacity + 1,
                slots=[(5, datetime.time(16, 0), datetime.time(17, 0))],
                actor=admin,
                group=group,
            )
        assert refused.value.code == "term_archived"
        with pytest.raises(ValidationError) as refused:
            services.closure_add(term=care.term, date=LAST, reason="补休", actor=admin)
        assert refused.value.code == "term_archived"
        client.force_login(admin)
        edit = client.get(reverse("activities:group-edit", kwargs={"group_code": group.code}))
        assert edit.status_code == 302
        detail = client.get(edit.url)
        assert detail.status_code == 200 and detail.context["archived"]
        assert (
            reverse("activities:group-edit", kwargs={"group_code": group.code}) not in detail.content.decode()
        )
        term_page = client.get(reverse("activities:term-edit", kwargs={"term_code": care.term.code}))
        assert term_page.context["archived"]
        assert 'id="term-archived"' in term_page.content.decode()
        assert 'name="closure-reason"' not in term_page.content.decode()
    group.refresh_from_db()
    assert group.capacity == care.group.capacity


def test_the_archived_terms_records_stay_visible_to_families_and_the_school(demo, client, care):
    child = care.students[0]
    _held_and_released(care, child, on=LAST)
    with _after():
        client.force_login(care.guardian(child).user)
        page = client.get(reverse("safety:family"))
        assert page.status_code == 200
        assert care.group.name in page.content.decode()
        client.force_login(demo.user("s1_admin"))
        detail = client.get(reverse("activities:group-detail", kwargs={"group_code": care.group.code}))
        assert detail.status_code == 200
        assert LAST in [s.date for s in detail.context["sessions"]]
        roll = client.get(reverse("safety:roll-call", kwargs={"session_code": care.session.code}))
        assert roll.status_code == 200
        assert 'id="roll-archived"' in roll.content.decode()
        assert 'id="roll-call-form"' not in roll.content.decode()
    assert Release.objects.filter(student=child, date=LAST).exists()


def test_the_demos_archived_spring_term_stays_visible(demo, client):
    spring = Term.objects.get(school=demo.school("s1"), name="2026年春季学期")
    assert services.term_is_archived(spring)
    client.force_login(demo.user("s1_admin"))
    page = client.get(reverse("activities:term-edit", kwargs={"term_code": spring.code}))
    assert page.status_code == 200 and page.context["archived"]
    group = spring.groups.first()
    detail = client.get(reverse("activities:group-detail", kwargs={"group_code": group.code}))
    assert detail.status_code == 200 and detail.context["sessions"]
