"""F15: a child who left the school (graduated, transferred, left) is not offered for new
applications or placements; their earlier records stay."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from enrollment import services
from enrollment.models import Placement
from schools.models import LeaveReason, Student

pytestmark = pytest.mark.django_db


def leave(child):
    Student.objects.filter(pk=child.pk).update(
        active=False, left_on=datetime.date(2026, 11, 29), left_reason=LeaveReason.LEFT
    )


def test_a_child_who_left_cannot_be_applied_for(demo, apply):
    leave(demo.child("刘子涵"))
    with pytest.raises(ValidationError) as caught:
        apply("刘子涵")
    assert caught.value.error_list[0].code == "left_school"


def test_the_placement_run_passes_over_a_child_who_left_after_applying(demo, term, apply):
    application = apply("刘子涵")
    services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    leave(demo.child("刘子涵"))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    assert not Placement.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.student.name == "刘子涵"  # the record stays
