import datetime

import pytest
from django.utils import timezone

from activities.models import ActivityGroup, Term
from enrollment import services
from enrollment.models import Application, EnrollmentWindow


@pytest.fixture
def term(demo):
    return Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")


@pytest.fixture
def window(demo, term):
    """A fresh first round: the demo's applications and placements for the term are cleared."""
    from enrollment.models import Choice, Placement

    now = timezone.now()
    Placement.objects.filter(group__term=term).delete()
    Choice.objects.filter(application__term=term).delete()
    Application.objects.filter(term=term).delete()
    EnrollmentWindow.objects.filter(term=term).delete()
    return services.window_save(
        term=term,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=7),
        review_deadline=now + datetime.timedelta(days=10),
        tie_break=EnrollmentWindow.TieBreak.SUBMISSION,
        actor=demo.user("s1_admin"),
    )


@pytest.fixture
def notice(demo, term, window):
    return services.notice_publish(
        term=term,
        service_method="学校统一组织，家长自愿申请，班级审核后由学校统一安排。",
        content="作业看管、阅读、体育、艺术、科普等活动。",
        safety_measures="考勤、交接班、放学交接，仅交给监护人或授权接送人。",
        actor=demo.user("s1_admin"),
    )


@pytest.fixture
def grade3_groups(term):
    return list(ActivityGroup.objects.filter(term=term, grades__contains="3").order_by("pk"))


@pytest.fixture
def apply(demo, term, notice, grade3_groups):
    """Submit an application for a child through the service, as its guardian would."""

    def submit(child_name="刘子涵", groups=None, **extra):
        child = demo.child(child_name)
        guardian = child.guardians.first()
        services.notice_acknowledge(notice=notice, guardian=guardian)
        data = dict(days="135", pickup=Application.Pickup.GUARDIAN, safety_commitment=True)
        data.update(extra)
        return services.application_submit(
            guardian=guardian,
            student=child,
            term=term,
            group_ids=[g.pk for g in (groups or grade3_groups[:2])],
            **data,
        )

    return submit
