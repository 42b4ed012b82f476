import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enrollment import services
from enrollment.models import Application

pytestmark = pytest.mark.django_db


def test_it_needs_the_current_notice_acknowledged_first(demo, term, notice, grade3_groups):
    child = demo.child("刘子涵")
    guardian = child.guardians.get()
    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            guardian=guardian,
            student=child,
            term=term,
            days="135",
            group_ids=[grade3_groups[0].pk],
            pickup="guardian",
            safety_commitment=True,
        )
    assert exc.value.code == "notice"
    services.notice_acknowledge(notice=notice, guardian=guardian)
    assert services.notice_acknowledged(term=term, guardian=guardian)
    services.notice_publish(
        term=term, service_method="新版", content="新版", safety_measures="新版", actor=demo.user("s1_admin")
    )
    assert not services.notice_acknowledged(term=term, guardian=guardian)


def test_it_allows_one_active_application_per_child_and_term(apply):
    first = apply()
    with pytest.raises(ValidationError) as exc:
        apply()
    assert exc.value.code == "duplicate"
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            term=first.term,
            student=first.student,
            guardian=first.guardian,
            days="1",
            pickup="guardian",
            safety_commitment=True,
            submitted_at=first.submitted_at,
        )


def test_it_lets_a_guardian_apply_again_after_withdrawing(apply):
    first = apply()
    services.application_withdraw(application=first, guardian=first.guardian)
    assert apply().status == Application.Status.SUBMITTED


def test_it_refuses_a_guardian_of_another_child(demo, term, notice, grade3_groups):
    stranger = demo.child("陈雨桐").guardians.get()
    services.notice_acknowledge(notice=notice, guardian=stranger)
    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            guardian=stranger,
            student=demo.child("刘子涵"),
            term=term,
            days="1",
            group_ids=[grade3_groups[0].pk],
            pickup="guardian",
            safety_commitment=True,
        )
    assert exc.value.code == "not_guardian"


def test_it_needs_separate_consent_for_priority_data(apply):
    with pytest.raises(ValidationError) as exc:
        apply(left_behind=True)
    assert exc.value.code == "priority_consent"
    application = apply(left_behind=True, priority_consent=True)
    assert application.is_priority


def test_it_lets_a_child_go_home_alone_only_with_written_consent(apply):
    with pytest.raises(ValidationError) as exc:
        apply(pickup="alone")
    assert exc.value.code == "alone_consent"
    assert apply(pickup="alone", alone_consent=True).alone_consent


def test_it_needs_valid_named_pick_up_persons_of_the_child(demo, apply):
    with pytest.raises(ValidationError) as exc:
        apply(pickup="authorised", pickup_persons=[])
    assert exc.value.code == "pickup_persons"
    other_childs = demo.child("陈雨桐").pickups.first()
    with pytest.raises(ValidationError):
        apply(pickup="authorised", pickup_persons=[other_childs])
    own = demo.child("刘子涵").pickups.first()
    assert list(apply(pickup="authorised", pickup_persons=[own]).pickup_persons.all()) == [own]


def test_it_offers_only_groups_open_to_the_childs_grade(demo, term, apply):
    from activities.models import ActivityGroup

    closed = ActivityGroup.objects.filter(term=term).exclude(grades__contains="3").first()
    with pytest.raises(ValidationError) as exc:
        apply(groups=[closed])
    assert exc.value.code == "choices"


def test_it_needs_the_safety_commitment(apply):
    with pytest.raises(ValidationError) as exc:
        apply(safety_commitment=False)
    assert exc.value.code == "safety_commitment"


def test_it_refuses_applications_outside_the_window(demo, apply, window):
    from django.utils import timezone

    window.closes_at = timezone.now() - timezone.timedelta(minutes=1)
    window.opens_at = window.closes_at - timezone.timedelta(days=1)
    window.save()
    with pytest.raises(ValidationError) as exc:
        apply()
    assert exc.value.code == "closed"


def test_it_shows_the_explanation_when_the_school_offers_no_service(demo, notice, grade3_groups):
    from schools import services as school_services

    s4 = demo.school("s4")
    child = s4.students.first()
    with pytest.raises(ValidationError) as exc:
        services._application_fields(
            term=notice.term,
            student=child,
            second_round=False,
            days="1",
            group_ids=[grade3_groups[0].pk],
            pickup="guardian",
            safety_commitment=True,
        )
    assert exc.value.code == "no_service" and "加固改造" in exc.value.messages[0]
    assert school_services  # the school's explanation comes from H1 settings


def test_it_lets_the_guardian_edit_before_review_only(demo, apply, grade3_groups):
    application = apply()
    services.application_update(
        application=application,
        guardian=application.guardian,
        days="34",
        group_ids=[grade3_groups[2].pk],
        pickup="guardian",
        safety_commitment=True,
    )
    application.refresh_from_db()
    assert application.days == "34"
    assert [c.group_id for c in application.choices.all()] == [grade3_groups[2].pk]
    services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    with pytest.raises(ValidationError) as exc:
        services.application_update(
            application=application,
            guardian=application.guardian,
            days="1",
            group_ids=[grade3_groups[0].pk],
            pickup="guardian",
            safety_commitment=True,
        )
    assert exc.value.code == "not_editable"


def test_it_stores_named_pick_up_persons_only_for_that_arrangement(demo, apply):
    own = demo.child("刘子涵").pickups.first()
    application = apply(pickup="guardian", pickup_persons=[own])
    assert not application.pickup_persons.exists()


def test_it_tells_the_class_teacher_again_after_a_correction(demo, apply, grade3_groups):
    from notices.models import Notification

    application = apply()
    services.application_return(application=application, reviewer=demo.user("s1_head31"), note="请改服务日")
    services.application_update(
        application=application,
        guardian=application.guardian,
        days="24",
        group_ids=[grade3_groups[0].pk],
        pickup="guardian",
        safety_commitment=True,
    )
    assert (
        Notification.objects.filter(recipient=demo.user("s1_head31"), kind="enrollment/to_review").count()
        == 2
    )


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"left_behind": True}, "priority_consent"),
        ({"pickup": "alone"}, "alone_consent"),
        ({"safety_commitment": False}, "safety_commitment"),
        ({"days": "7"}, "days"),
    ],
)
def test_an_update_is_refused_by_the_same_rules_as_a_submit(apply, grade3_groups, answers, code):
    """Submit and update check the answers through one path: the same input, the same error."""
    base = dict(days="135", group_ids=[grade3_groups[0].pk], pickup="guardian", safety_commitment=True)
    with pytest.raises(ValidationError) as on_submit:
        apply(groups=grade3_groups[:1], **answers)
    application = apply(groups=grade3_groups[:1])
    with pytest.raises(ValidationError) as on_update:
        services.application_update(
            application=application, guardian=application.guardian, **{**base, **answers}
        )
    assert on_submit.value.code == on_update.value.code == code
    assert on_submit.value.messages == on_update.value.messages
    application.refresh_from_db()
    assert application.days == "135" and not application.left_behind
