"""Per-student funding counts the children expected at a held session (F12: a seat in the group and
the session on one of the family's days, enrollment.days), not every seat in a group that met."""

from decimal import Decimal

import pytest
from django.utils import timezone

from enrollment.models import Application, Placement
from subsidies import services
from subsidies.models import ClaimLine, Rate
from tests.support.claims import DECEMBER, MON_WED, hold

pytestmark = pytest.mark.django_db


def test_per_student_funding_counts_children_expected_at_a_held_session(
    demo, s1, s1_admin, zy_bureau, make_group
):
    group = make_group(slots=MON_WED)
    hold(group)
    services.rate_set(
        region=s1.region,
        kind=Rate.Kind.STUDENT,
        amount=Decimal("10.00"),
        effective_from=DECEMBER,
        actor=zy_bureau,
    )
    children = list(demo.klass("s1", 3, 2).students.order_by("pk")[:2])
    for child, days in zip(children, ["1", "25"], strict=True):
        application = Application.objects.create(
            term=group.term,
            student=child,
            guardian=child.guardians.first(),
            status=Application.Status.APPROVED,
            days=days,
            pickup=Application.Pickup.GUARDIAN,
            safety_commitment=True,
            submitted_at=timezone.now(),
        )
        # The Tuesday/Friday family's seat predates F12: the group never meets on its days.
        Placement.objects.create(application=application, group=group, status=Placement.Status.PLACED)
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    line = claim.lines.get(kind=ClaimLine.Kind.STUDENT)
    assert line.students == 1 and line.amount == Decimal("10.00")
