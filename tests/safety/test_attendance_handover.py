"""Handover (交接班): the class teacher hands the class to the service teacher with a head count, the
receiver confirms it; a mismatch is recorded and flagged to the school admin. The same for a change
of duty teacher during the service."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from notices.models import Notification
from safety.models import CareAlert, Handover, HandoverConfirmation
from safety.selectors import attendance as selectors
from safety.services import handover as services
from tests.support import builders
from tests.support.attendance import at, care_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def care(demo):
    return care_session(demo, count=3, class_group=demo.klass("s1", 3, 1))


def test_the_class_teacher_hands_over_and_the_service_teacher_confirms(demo, client, care):
    head = demo.user("s1_head31")
    with time_machine.travel(at(15, 58), tick=False):
        client.force_login(head)
        day_url = reverse("safety:class-day", kwargs={"class_code": care.class_group.code})
        page = client.get(day_url).content.decode()
        assert care.group.name in page
        response = client.post(day_url, {"session": str(care.session.code), "count": 3})
        assert response.status_code == 302
        handover = Handover.objects.get(session=care.session)
        assert (handover.kind, handover.given_by, handover.to_user, handover.count, handover.expected) == (
            "class",
            head,
            care.lead,
            3,
            3,
        )
        assert (
            Notification.objects.filter(recipient=care.lead, kind="safety/handover_to_confirm").count() == 1
        )
        client.force_login(care.lead)
        today = client.get(reverse("safety:today")).content.decode()
        assert 'id="pending-handovers"' in today and care.group.name in today
        response = client.post(
            reverse("safety:handover-confirm", kwargs={"handover_code": handover.code}), {"count": 3}
        )
    assert response.status_code == 302
    confirmation = HandoverConfirmation.objects.get(handover=handover)
    assert (confirmation.count, confirmation.mismatch, confirmation.confirmed_by) == (3, False, care.lead)
    assert not CareAlert.objects.filter(key=f"handover:{handover.code}").exists()


def test_a_count_mismatch_is_recorded_and_flagged_to_the_school_admin_at_once(demo, care):
    head = demo.user("s1_head31")
    with time_machine.travel(at(15, 58), tick=False):
        handover = services.handover_class_give(
            session=care.session, class_group=care.class_group, actor=head, count=3
        )
        confirmation = services.handover_confirm(handover=handover, actor=care.lead, count=2)
    assert confirmation.mismatch
    alert = CareAlert.objects.get(kind="handover", key=f"handover:{handover.code}")
    assert alert.school == care.session.group.activity.school
    recipients = set(
        Notification.objects.filter(kind="safety/handover_mismatch").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"s1_admin", "s1_head31"}


def test_a_handover_is_given_once_and_confirmed_once(demo, care):
    head = demo.user("s1_head31")
    with time_machine.travel(at(15, 58), tick=False):
        handover = services.handover_class_give(
            session=care.session, class_group=care.class_group, actor=head, count=3
        )
        with pytest.raises(ValidationError) as error:
            services.handover_class_give(
                session=care.session, class_group=care.class_group, actor=head, count=3
            )
        assert error.value.code == "duplicate"
        services.handover_confirm(handover=handover, actor=care.lead, count=3)
        with pytest.raises(ValidationError) as error:
            services.handover_confirm(handover=handover, actor=care.lead, count=3)
        assert error.value.code == "confirmed"
        with pytest.raises(ValidationError) as error:
            services.handover_confirm(handover=handover, actor=head, count=3)
    assert error.value.code in {"confirmed", "not_receiver"}


def test_only_the_class_teacher_hands_the_class_over_and_only_the_receiver_confirms(demo, care):
    with time_machine.travel(at(15, 58), tick=False):
        with pytest.raises(ValidationError) as error:
            services.handover_class_give(
                session=care.session, class_group=care.class_group, actor=demo.user("s1_head32"), count=3
            )
        assert error.value.code == "not_class_teacher"
        handover = services.handover_class_give(
            session=care.session, class_group=care.class_group, actor=demo.user("s1_head31"), count=3
        )
        with pytest.raises(ValidationError) as error:
            services.handover_confirm(handover=handover, actor=demo.user("s1_head31"), count=3)
    assert error.value.code == "not_receiver"


def test_handovers_happen_on_the_day(demo, care):
    with time_machine.travel(at(15, 58, care.session.date - datetime.timedelta(days=1)), tick=False):
        with pytest.raises(ValidationError) as error:
            services.handover_class_give(
                session=care.session, class_group=care.class_group, actor=demo.user("s1_head31"), count=3
            )
    assert error.value.code == "not_today"


def test_a_change_of_duty_moves_the_session_to_the_new_teacher_after_confirmation(demo, client, care):
    school = demo.school("s1")
    relief = builders.staff(school)
    with time_machine.travel(at(16, 30), tick=False):
        from safety.services import attendance

        attendance.roll_call_save(
            session=care.session, actor=care.lead, marks={s.pk: "present" for s in care.students}
        )
        client.force_login(care.lead)
        response = client.post(
            reverse("safety:duty-handover", kwargs={"session_code": care.session.code}),
            {"to_user": relief.pk, "count": 3},
        )
        assert response.status_code == 302
        handover = Handover.objects.get(session=care.session, kind="duty")
        assert handover.expected == 3
        assert selectors.roster(care.session).holder == care.lead  # until the count is confirmed
        client.force_login(relief)
        session_url = reverse("safety:session", kwargs={"session_code": care.session.code})
        assert client.get(session_url).status_code == 200  # the receiver may open the session
        client.post(reverse("safety:handover-confirm", kwargs={"handover_code": handover.code}), {"count": 3})
    assert selectors.roster(care.session).holder == relief
    assert care.session in selectors.sessions_for(relief)


def test_only_the_teacher_on_duty_hands_the_group_over(demo, care):
    school = demo.school("s1")
    other, relief = builders.staff(school), builders.staff(school)
    with time_machine.travel(at(16, 30), tick=False):
        with pytest.raises(ValidationError) as error:
            services.handover_duty_give(session=care.session, actor=other, to_user=relief, count=3)
        assert error.value.code == "not_holder"
        with pytest.raises(ValidationError) as error:
            services.handover_duty_give(
                session=care.session, actor=care.lead, to_user=demo.user("s2_admin"), count=3
            )
        assert error.value.code == "not_staff"
        services.handover_duty_give(session=care.session, actor=care.lead, to_user=relief, count=3)
        with pytest.raises(ValidationError) as error:
            services.handover_duty_give(session=care.session, actor=care.lead, to_user=other, count=3)
    assert error.value.code == "pending"


def test_a_rejected_count_keeps_what_was_typed(demo, client, care):
    with time_machine.travel(at(15, 58), tick=False):
        handover = services.handover_class_give(
            session=care.session, class_group=care.class_group, actor=demo.user("s1_head31"), count=3
        )
        client.force_login(care.lead)
        response = client.post(
            reverse("safety:handover-confirm", kwargs={"handover_code": handover.code}), {"count": "-4"}
        )
    assert response.status_code == 400
    assert 'value="-4"' in response.content.decode()
    assert (
        not HandoverConfirmation.objects.exists()
        or not HandoverConfirmation.objects.filter(handover=handover).exists()
    )


def test_nobody_outside_confirms_or_hands_over(demo, client, care):
    with time_machine.travel(at(15, 58), tick=False):
        handover = services.handover_class_give(
            session=care.session, class_group=care.class_group, actor=demo.user("s1_head31"), count=3
        )
        for username in ("s1_head32", "s1_parent", "s2_admin", "s1_guard", "zy_bureau"):
            client.force_login(demo.user(username))
            url = reverse("safety:handover-confirm", kwargs={"handover_code": handover.code})
            assert client.post(url, {"count": 3}).status_code == 404, username
            duty = reverse("safety:duty-handover", kwargs={"session_code": care.session.code})
            assert client.post(duty, {"count": 3}).status_code == 404, username
            day = reverse("safety:class-day", kwargs={"class_code": care.class_group.code})
            assert client.get(day).status_code == 404, username
    assert not HandoverConfirmation.objects.filter(handover=handover).exists()
