import pytest
from django.core.exceptions import ValidationError

from enrollment import services
from enrollment.models import Application
from notices.models import Notification

pytestmark = pytest.mark.django_db


def test_it_lets_only_the_childs_class_teacher_review(demo, apply):
    application = apply()
    with pytest.raises(ValidationError) as exc:
        services.application_approve(application=application, reviewer=demo.user("s1_head32"))
    assert exc.value.code == "not_reviewer"
    services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.reviewed_by == demo.user("s1_head31")


def test_it_notifies_the_guardian_of_each_decision(demo, apply):
    application = apply()
    services.application_return(application=application, reviewer=demo.user("s1_head31"), note="请补充接送人")
    notice = Notification.objects.get(recipient=demo.user("s1_parent"), kind="enrollment/returned")
    assert "请补充接送人" in notice.body
    with pytest.raises(ValidationError):
        services.application_decline(application=application, reviewer=demo.user("s1_head31"), reason="x")


def test_it_needs_a_note_to_return_and_a_reason_to_decline(demo, apply):
    application = apply()
    with pytest.raises(ValidationError) as exc:
        services.application_return(application=application, reviewer=demo.user("s1_head31"), note=" ")
    assert exc.value.code == "note"
    with pytest.raises(ValidationError):
        services.application_decline(application=application, reviewer=demo.user("s1_head31"), reason="")
    services.application_decline(application=application, reviewer=demo.user("s1_head31"), reason="名额已满")
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED


def test_it_tells_the_class_teacher_about_a_new_application(demo, apply):
    apply()
    assert Notification.objects.filter(recipient=demo.user("s1_head31"), kind="enrollment/to_review").exists()
    assert not Notification.objects.filter(
        recipient=demo.user("s1_head32"), kind="enrollment/to_review"
    ).exists()


def test_it_bulk_approves(demo, apply, term):
    names = list(demo.klass("s1", 3, 1).students.values_list("name", flat=True)[:5])
    apps = [apply(child_name=n) for n in names]
    assert services.applications_approve(applications=apps, reviewer=demo.user("s1_head31")) == 5
    assert Application.objects.filter(term=term, status="approved").count() == 5


def test_it_reminds_class_teachers_once_before_the_deadline(demo, apply, window):
    from django.utils import timezone

    apply()
    later = window.review_deadline - timezone.timedelta(hours=2)
    assert services.reminders_review_due(now=later) == 1
    services.reminders_review_due(now=later)
    assert (
        Notification.objects.filter(recipient=demo.user("s1_head31"), kind="enrollment/review_due").count()
        == 1
    )


def test_it_tells_guardians_once_when_the_window_opens(demo, window):
    sent = services.reminders_window_open()
    assert sent >= 200
    services.reminders_window_open()
    assert (
        Notification.objects.filter(recipient=demo.user("s1_parent"), kind="enrollment/window_open").count()
        == 1
    )
    assert not Notification.objects.filter(
        recipient=demo.user("s2_parent"), kind="enrollment/window_open"
    ).exists()
