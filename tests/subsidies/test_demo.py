"""seed_demo adds rates, budgets, contracts, claims in every state and some reports (docs/demo.md)."""

import pytest
from django.core.management import call_command

from subsidies.models import Budget, Claim, Complaint, PurchaseContract, Rate

pytestmark = pytest.mark.django_db


def test_it_seeds_claims_in_every_state_rates_budgets_contracts_and_reports(demo):
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    assert Rate.objects.filter(kind=Rate.Kind.TEACHER_HOUR, monthly_cap__isnull=False).count() >= 3
    assert Budget.objects.filter(fiscal_year=2026).count() == 3
    assert PurchaseContract.objects.count() == 2
    assert Complaint.objects.filter(status=Complaint.Status.ANSWERED, shared_at__isnull=False).exists()
    assert set(Complaint.objects.values_list("kind", flat=True)) == set(Complaint.Kind.values)
    for claim in Claim.objects.all():
        assert claim.total == sum(line.amount for line in claim.lines.all()) > 0
    zy = Budget.objects.get(region__code="410102", fiscal_year=2026)
    approved = Claim.objects.filter(budget=zy).values_list("total", flat=True)
    assert zy.approved == sum(approved) > 0


def test_running_it_twice_changes_nothing(demo):
    before = (
        Claim.objects.count(),
        Rate.objects.count(),
        Complaint.objects.count(),
        Budget.objects.get(region__code="410102").approved,
    )
    call_command("seed_demo", verbosity=0)
    after = (
        Claim.objects.count(),
        Rate.objects.count(),
        Complaint.objects.count(),
        Budget.objects.get(region__code="410102").approved,
    )
    assert before == after
