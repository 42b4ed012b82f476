"""Release (放学交接): to a guardian or an authorised person valid today, checked against the list; a
restricted or unknown person refused, recorded and alerted; home alone only with consent; moving
to another group; one release per child per day; pick-up codes; the unreleased alert."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from notices.models import Notification
from safety.models import CareAlert, CareTransfer, PickupCode, Release, ReleaseRefusal
from safety.selectors import attendance as selectors
from safety.services import attendance, codes, release
from safety.services.release import ReleaseRefused
from schools import services as org
from tests.support.attendance import DAY, at, care_in_session, care_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def care(demo):
    return care_in_session(demo)


def release_url(care, student):
    return reverse(
        "safety:release-child", kwargs={"session_code": care.session.code, "student_code": student.code}
    )


def test_it_releases_to_an_authorised_person_checked_by_id_digits(demo, client, care):
    child = care.students[0]
    pickup = care.pickup(child)
    with time_machine.travel(at(17, 2), tick=False):
        client.force_login(care.lead)
        response = client.post(
            release_url(care, child),
            {"person": f"p:{pickup.code}", "verification": "id_last4", "id_last4": pickup.id_last4},
        )
    assert response.status_code == 302
    record = Release.objects.get(student=child, date=DAY)
    assert (record.to, record.pickup, record.person_name, record.verification, record.released_by) == (
        "pickup",
        pickup,
        pickup.name,
        "id_last4",
        care.lead,
    )
    assert record.released_at == at(17, 2)
    assert AuditEvent.objects.filter(verb="release.record", target_id=str(record.code)).exists()
    assert (
        Notification.objects.filter(recipient=care.guardian(child).user, kind="safety/released").count() == 1
    )
    assert not selectors.roster(care.session).releasable[0].student == child


def test_wrong_id_digits_release_nobody_and_keep_the_form(demo, client, care):
    child = care.students[0]
    pickup = care.pickup(child)
    with time_machine.travel(at(17, 2), tick=False):
        client.force_login(care.lead)
        response = client.post(
            release_url(care, child),
            {"person": f"p:{pickup.code}", "verification": "id_last4", "id_last4": "0000"},
        )
    assert response.status_code == 400
    assert 'value="0000"' in response.content.decode()
    assert not Release.objects.filter(student=child).exists()


def test_a_restricted_person_is_refused_recorded_and_alerted(demo, client, care):
    child = care.students[0]
    pickup = care.pickup(child)
    org.pickup_restrict(pickup=pickup, reason="法院禁止令", actor=demo.user("s1_admin"))
    with time_machine.travel(at(17, 2), tick=False):
        client.force_login(care.lead)
        response = client.post(
            release_url(care, child), {"person": f"p:{pickup.code}", "verification": "photo"}
        )
    assert response.status_code == 400
    assert not Release.objects.filter(student=child).exists()
    refusal = ReleaseRefusal.objects.get(student=child)
    assert (refusal.reason, refusal.pickup, refusal.refused_by) == ("restricted", pickup, care.lead)
    recipients = set(
        Notification.objects.filter(kind="safety/release_refused").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"s1_admin", care.guardian(child).user.username}
    assert CareAlert.objects.filter(kind="refused", student=child).count() == 1


def test_an_unlisted_person_is_refused_recorded_and_alerted(demo, client, care):
    child = care.students[1]
    with time_machine.travel(at(17, 2), tick=False):
        client.force_login(care.lead)
        response = client.post(
            release_url(care, child),
            {"person": "other", "other_name": "王某某", "other_mobile": "13900001111"},
        )
    assert response.status_code == 400
    refusal = ReleaseRefusal.objects.get(student=child)
    assert (refusal.reason, refusal.person_name) == ("unknown", "王某某")
    assert Notification.objects.filter(
        kind="safety/release_refused", recipient=care.guardian(child).user
    ).exists()
    assert "王某某" in response.content.decode()


def test_a_person_no_longer_valid_today_is_refused(demo, care):
    child = care.students[0]
    pickup = care.pickup(child)
    pickup.valid_until = DAY - datetime.timedelta(days=1)
    pickup.save()
    with time_machine.travel(at(17, 2), tick=False), pytest.raises(ReleaseRefused) as error:
        release.release_record(
            session=care.session, student=child, actor=care.lead, pickup=pickup, verification="photo"
        )
    assert error.value.refusal.reason == "not_valid"


def test_home_alone_only_with_the_applications_written_consent(demo, care):
    from enrollment.models import Application

    first, second = care.students[:2]
    Application.objects.filter(student=first).update(pickup="alone", alone_consent=True)
    with time_machine.travel(at(17, 2), tick=False):
        record = release.release_record(session=care.session, student=first, actor=care.lead, alone=True)
        assert (record.to, record.verification) == ("alone", "consent")
        with pytest.raises(ValidationError) as error:
            release.release_record(session=care.session, student=second, actor=care.lead, alone=True)
    assert error.value.code == "alone"


def test_one_release_per_child_per_day(demo, care):
    child = care.students[0]
    guardian = care.guardian(child)
    with time_machine.travel(at(17, 2), tick=False):
        release.release_record(
            session=care.session, student=child, actor=care.lead, guardian=guardian, verification="photo"
        )
        with pytest.raises(ValidationError) as error:
            release.release_record(
                session=care.session, student=child, actor=care.lead, guardian=guardian, verification="photo"
            )
    assert error.value.code == "already_released"
    assert Release.objects.filter(student=child, date=DAY).count() == 1


def test_absent_children_and_children_of_other_sessions_are_not_released(demo, care):
    child = care.students[0]
    other = care_session(demo, count=1, start=datetime.time(17), end=datetime.time(18))
    with time_machine.travel(at(17, 2), tick=False):
        attendance.roll_call_save(session=care.session, actor=care.lead, marks={child.pk: "absent"})
        with pytest.raises(ValidationError) as error:
            release.release_record(
                session=care.session,
                student=child,
                actor=care.lead,
                guardian=care.guardian(child),
                verification="photo",
            )
        assert error.value.code == "not_in_care"
        stranger = other.students[0]
        with pytest.raises(ValidationError) as error:
            release.release_record(
                session=care.session,
                student=stranger,
                actor=care.lead,
                guardian=other.guardian(stranger),
                verification="photo",
            )
    assert error.value.code == "not_in_session"


def test_a_child_moves_to_another_group_and_is_released_from_there(demo, client, care):
    child = care.students[0]
    later = care_session(demo, count=1, start=datetime.time(17), end=datetime.time(18))
    with time_machine.travel(at(16, 58), tick=False):
        client.force_login(care.lead)
        response = client.post(
            release_url(care, child), {"person": "transfer", "to_session": str(later.session.code)}
        )
        assert response.status_code == 302
        assert CareTransfer.objects.get(student=child).to_session == later.session
        moved = selectors.roster(later.session)
        assert [c.student for c in moved.in_care if c.transfer_in] == [child]
        with pytest.raises(ValidationError) as error:
            release.release_record(
                session=care.session,
                student=child,
                actor=care.lead,
                guardian=care.guardian(child),
                verification="photo",
            )
        assert error.value.code == "moved"
    with time_machine.travel(at(18, 1), tick=False):
        record = release.release_record(
            session=later.session,
            student=child,
            actor=later.lead,
            guardian=care.guardian(child),
            verification="photo",
        )
    assert record.session == later.session


# --- pick-up codes --------------------------------------------------------------------------------


def test_a_pick_up_code_is_random_hashed_single_use(demo, care):
    child = care.students[0]
    guardian = care.guardian(child)
    with time_machine.travel(at(16, 50), tick=False):
        row, code = codes.pickup_code_issue(student=child, guardian_user=guardian.user)
        assert len(code) == 6 and code.isdigit()
        assert code not in row.digest and row.digest == codes.code_digest(code)
        record = release.release_record(
            session=care.session,
            student=child,
            actor=care.lead,
            guardian=guardian,
            verification="code",
            code=code,
        )
        assert record.pickup_code == row
        row.refresh_from_db()
        assert row.used_at == at(16, 50)
        with pytest.raises(ValidationError) as error:
            codes.pickup_code_check(student=child, code=code)
    assert error.value.code == "no_code"


def test_a_new_code_replaces_the_old_and_codes_expire(demo, care):
    child = care.students[0]
    user = care.guardian(child).user
    with time_machine.travel(at(16, 40), tick=False):
        _old, old_code = codes.pickup_code_issue(student=child, guardian_user=user)
        _new, new_code = codes.pickup_code_issue(student=child, guardian_user=user)
        if old_code != new_code:
            with pytest.raises(ValidationError):
                codes.pickup_code_check(student=child, code=old_code)
        assert codes.pickup_code_check(student=child, code=new_code)
    assert PickupCode.objects.filter(student=child, revoked_at__isnull=True).count() == 1
    expired = at(16, 40) + datetime.timedelta(minutes=codes.TTL_MINUTES)
    with time_machine.travel(expired, tick=False), pytest.raises(ValidationError) as error:
        codes.pickup_code_check(student=child, code=new_code)
    assert error.value.code == "no_code"


def test_a_code_locks_after_repeated_misses_even_when_the_release_fails(demo, care):
    child = care.students[0]
    guardian = care.guardian(child)
    with time_machine.travel(at(16, 50), tick=False):
        _row, code = codes.pickup_code_issue(student=child, guardian_user=guardian.user)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(codes.MAX_MISSES):
            with pytest.raises(ValidationError) as error:
                release.release_record(
                    session=care.session,
                    student=child,
                    actor=care.lead,
                    guardian=guardian,
                    verification="code",
                    code=wrong,
                )
            assert error.value.code == "code"
        with pytest.raises(ValidationError) as error:
            release.release_record(
                session=care.session,
                student=child,
                actor=care.lead,
                guardian=guardian,
                verification="code",
                code=code,
            )
    assert error.value.code == "code_locked"
    assert not Release.objects.filter(student=child).exists()


def test_only_a_guardian_issues_a_code_and_the_page_shows_it_with_a_qr(demo, client, care):
    child = care.students[0]
    with pytest.raises(ValidationError):
        codes.pickup_code_issue(student=child, guardian_user=demo.user("s1_parent"))
    with time_machine.travel(at(16, 50), tick=False):
        client.force_login(care.guardian(child).user)
        url = reverse("safety:pickup-code", kwargs={"student_code": child.code})
        response = client.post(url)  # F13: shown once, on the response itself
        assert response.status_code == 200
        page = response.content.decode()
    assert 'id="pickup-code"' in page and "<svg" in page
    row = PickupCode.objects.get(student=child)
    shown = page.split('id="pickup-code"')[1].split(">")[1].split("<")[0].replace(" ", "")
    assert codes.code_digest(shown) == row.digest


def test_the_gate_finds_a_pick_up_person_by_name_mobile_or_code(demo, client, care):
    child = care.students[0]
    pickup = care.pickup(child)
    with time_machine.travel(at(16, 55), tick=False):
        _row, code = codes.pickup_code_issue(student=child, guardian_user=care.guardian(child).user)
        client.force_login(demo.user("s1_guard"))
        url = reverse("safety:pickup-check")
        for query in (pickup.name, pickup.mobile[-4:], code):
            page = client.get(url, {"q": query}).content.decode()
            assert child.name in page, query
        assert 'id="gate-none"' in client.get(url, {"q": "不存在的人"}).content.decode()
        org.pickup_restrict(pickup=pickup, reason="法院禁止令", actor=demo.user("s1_admin"))
        page = client.get(url, {"q": pickup.name}).content.decode()
    assert "法院禁止令" in page and "border-danger" in page


def test_the_gate_and_the_board_are_for_the_schools_guard_and_admin(demo, client):
    for username in ("s1_staff", "s1_parent", "s1_head31", "zy_bureau"):
        client.force_login(demo.user(username))
        assert client.get(reverse("safety:pickup-check")).status_code == 404, username
        assert client.get(reverse("safety:still-here")).status_code == 404, username
    client.force_login(demo.user("s2_admin"))
    s1 = demo.school("s1")
    assert client.get(reverse("safety:still-here"), {"school": str(s1.code)}).status_code == 404
    assert client.get(reverse("safety:pickup-check"), {"school": str(s1.code)}).status_code == 404


# --- still here, and the unreleased alert -----------------------------------------------------------


def test_the_board_shows_every_child_in_care_and_with_whom(demo, client, care):
    child = care.students[0]
    with time_machine.travel(at(17, 2), tick=False):
        release.release_record(
            session=care.session,
            student=child,
            actor=care.lead,
            guardian=care.guardian(child),
            verification="photo",
        )
    with time_machine.travel(at(17, 40), tick=False):
        client.force_login(demo.user("s1_admin"))
        page = client.get(reverse("safety:still-here")).content.decode()
    board = page.split('id="board"')[1].split("</table>")[0]
    assert care.students[1].name in board and care.students[2].name in board
    assert child.name not in board
    assert "table-danger" in board  # overdue: after the end plus the grace period


def test_the_boards_rows_show_the_holder_the_place_and_the_end_with_names_escaped(demo, client, care):
    child = care.students[1]
    type(child).objects.filter(pk=child.pk).update(name="<i>小&明</i>")
    with time_machine.travel(at(17, 40), tick=False):
        client.force_login(demo.user("s1_admin"))
        page = client.get(reverse("safety:still-here")).content.decode()
    board = page.split('id="board"')[1].split("</table>")[0]
    assert "&lt;i&gt;小&amp;明&lt;/i&gt;" in board and "<i>" not in board
    row = next(r for r in board.split("<tr") if "小&amp;明" in r)
    session = care.session
    assert f"{care.lead.display_name}<br>" in row
    assert f"{session.group.name} · {session.venue.name}" in row
    assert f"{session.end:%H:%M}" in row and "badge text-bg-danger" in row  # overdue at 17:40
    assert row.startswith(' class="table-danger board-row"')


def unreleased(student):
    return Notification.objects.filter(kind="safety/unreleased", dedupe_key__contains=str(student.code))


def test_an_unreleased_child_alerts_once_per_recipient_per_reminder_interval(demo, care):
    first, second, third = care.students
    with time_machine.travel(at(17, 5), tick=False):
        release.release_record(
            session=care.session,
            student=first,
            actor=care.lead,
            guardian=care.guardian(first),
            verification="photo",
        )
    with time_machine.travel(at(17, 29), tick=False):
        assert release.unreleased_sweep() == 0  # the grace period runs to 17:30
    with time_machine.travel(at(17, 30), tick=False):
        for _ in range(4):  # several beat runs and workers in the same interval
            release.unreleased_sweep()
    recipients = {"s1_admin", care.guardian(second).user.username}
    assert {n.recipient.username for n in unreleased(second)} == recipients
    assert unreleased(second).count() == 2 and unreleased(third).count() == 2
    assert not unreleased(first).exists()
    with time_machine.travel(at(17, 44), tick=False):
        release.unreleased_sweep()
    assert unreleased(second).count() == 2  # still the first interval
    with time_machine.travel(at(17, 45), tick=False):
        release.unreleased_sweep()
        release.unreleased_sweep()
        release.release_record(
            session=care.session,
            student=second,
            actor=care.lead,
            guardian=care.guardian(second),
            verification="photo",
        )
    assert unreleased(second).count() == 4 and unreleased(third).count() == 4
    with time_machine.travel(at(18, 0), tick=False):
        release.unreleased_sweep()
    assert unreleased(second).count() == 4  # resolved: no more reminders
    assert unreleased(third).count() == 6
    assert CareAlert.objects.filter(kind="unreleased", student=third).count() == 3


def test_the_duty_leader_is_decided_in_one_place(demo, care):
    from safety.services import alerts

    assert [u.username for u in alerts.duty_leaders(demo.school("s1"), DAY)] == ["s1_admin"]


def test_release_decide_refuses_someone_not_on_the_list(demo, care):
    child = care.students[0]
    with time_machine.travel(at(17, 2), tick=False), pytest.raises(ReleaseRefused) as error:
        release.release_decide(
            session=care.session,
            student=child,
            actor=care.lead,
            person=release.OTHER,
            other_name="王某某",
            other_mobile="13900001111",
        )
    assert error.value.code == "refused"
    assert (error.value.refusal.reason, error.value.refusal.person_name) == ("unknown", "王某某")
    assert "王某某" in error.value.messages[0]
    assert ReleaseRefusal.objects.get(student=child).person_mobile == "13900001111"
    assert not Release.objects.filter(student=child).exists()


def test_release_decide_moves_the_child_to_another_group(demo, care):
    child = care.students[0]
    later = care_session(demo, count=1, start=datetime.time(17), end=datetime.time(18))
    with time_machine.travel(at(16, 58), tick=False):
        with pytest.raises(ValidationError) as error:
            release.release_decide(
                session=care.session, student=child, actor=care.lead, person=release.TRANSFER
            )
        assert error.value.code == "to_session"
        outcome = release.release_decide(
            session=care.session,
            student=child,
            actor=care.lead,
            person=release.TRANSFER,
            to_session=later.session,
        )
    assert outcome.release is None
    assert outcome.transfer == CareTransfer.objects.get(student=child, to_session=later.session)
    assert child.name in outcome.message and later.session.group.name in outcome.message


def test_release_decide_releases_to_a_person_on_the_list_or_home_alone(demo, care):
    from enrollment.models import Application

    first, second = care.students[:2]
    pickup = care.pickup(first)
    person = next(p for p in selectors.pickup_list(students=[first], day=DAY)[first.pk] if p.obj == pickup)
    Application.objects.filter(student=second).update(pickup="alone", alone_consent=True)
    with time_machine.travel(at(17, 2), tick=False):
        outcome = release.release_decide(
            session=care.session,
            student=first,
            actor=care.lead,
            person=person,
            verification="id_last4",
            id_last4=pickup.id_last4,
        )
        alone = release.release_decide(
            session=care.session, student=second, actor=care.lead, person=release.ALONE
        )
    assert outcome.transfer is None
    assert (outcome.release.to, outcome.release.pickup) == ("pickup", pickup)
    assert first.name in outcome.message and pickup.name in outcome.message
    assert (alone.release.to, alone.release.verification) == ("alone", "consent")
    assert second.name in alone.message
