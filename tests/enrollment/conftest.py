"""The enrollment tests' `apply`; the term, window, notice and grade-3 groups it builds on are in
tests/conftest.py (the privacy tests use them too)."""

import pytest

from enrollment import services
from enrollment.models import Application


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
