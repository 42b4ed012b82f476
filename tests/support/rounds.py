"""A fresh round of enrollment for a demo term, for tests that walk it from the start or need many
approved applications at once."""

import datetime

from django.utils import timezone

from enrollment import services
from enrollment.models import Application, Choice, EnrollmentWindow, Placement


def round_cleared(term) -> None:
    """Start from an empty term, not the demo round: its placements, choices and applications go."""
    Placement.objects.filter(group__term=term).delete()
    Choice.objects.filter(application__term=term).delete()
    Application.objects.filter(term=term).delete()


def approved_applications(term, students, *, days: str) -> list[Application]:
    """An approved application per student, by its first guardian, written straight to the table
    (setup data for races: the review flow has its own tests)."""
    now = timezone.now()
    return Application.objects.bulk_create(
        [
            Application(
                term=term,
                student=s,
                guardian=s.guardians.first(),
                status="approved",
                days=days,
                pickup="guardian",
                safety_commitment=True,
                submitted_at=now,
            )
            for s in students
        ]
    )


def first_round_open(term, *, actor, opened_ago=datetime.timedelta(days=1)) -> EnrollmentWindow:
    """Clear the demo's placements, choices, applications and window for the term, then open a
    window that closes in a week (class review until ten days from now)."""
    now = timezone.now()
    round_cleared(term)
    EnrollmentWindow.objects.filter(term=term).delete()
    return services.window_save(
        term=term,
        opens_at=now - opened_ago,
        closes_at=now + datetime.timedelta(days=7),
        review_deadline=now + datetime.timedelta(days=10),
        tie_break=EnrollmentWindow.TieBreak.SUBMISSION,
        actor=actor,
    )
