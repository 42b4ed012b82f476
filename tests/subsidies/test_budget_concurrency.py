"""A region's approvals never exceed its budget, even when officers approve at the same moment
(PostgreSQL, real threads: SQLite serialises every write and would prove nothing)."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from schools.models import Role
from subsidies import services
from subsidies.models import Budget, Claim
from tests.support.claims import claim_row
from tests.support.factories import staff

pytestmark = pytest.mark.django_db(transaction=True)


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises every write)")


def approve_all(pairs):
    """Each (claim, officer) approves in its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(pairs))

    def approve(pair):
        claim, officer = pair
        try:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            services.claim_approve(claim=claim, officer=officer)
            return "approved"
        except ValidationError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        return list(pool.map(approve, pairs))


@pytest.fixture
def budget_2027(demo):
    """中原区's 2027 budget: 100.00 yuan left."""
    s1 = demo.school("s1")
    budget = services.budget_save(
        region=s1.region, fiscal_year=2027, total=Decimal("100.00"), actor=demo.user("zy_bureau")
    )
    return s1, budget


def test_two_officers_approving_at_once_cannot_overspend(demo, budget_2027):
    postgresql_only()
    s1, budget = budget_2027
    second = staff(username="zy_bureau_2", role=Role.BUREAU_OFFICER, region=s1.region)
    admin = demo.user("s1_admin")
    claims = [
        claim_row(s1, month=datetime.date(2027, month, 1), total="60.00", prepared_by=admin)
        for month in (2, 3)
    ]
    results = approve_all([(claims[0], demo.user("zy_bureau")), (claims[1], second)])
    assert sorted(results) == ["approved", "over_budget"]
    budget.refresh_from_db()
    assert budget.approved == Decimal("60.00") and budget.remaining == Decimal("40.00")
    assert Claim.objects.filter(budget=budget, status=Claim.Status.APPROVED).count() == 1


def test_two_officers_approving_the_same_claim_count_it_once(demo, budget_2027):
    postgresql_only()
    s1, budget = budget_2027
    second = staff(username="zy_bureau_3", role=Role.BUREAU_OFFICER, region=s1.region)
    claim = claim_row(s1, month=datetime.date(2027, 4, 1), total="30.00", prepared_by=demo.user("s1_admin"))
    results = approve_all([(claim, demo.user("zy_bureau")), (claim, second)])
    assert sorted(results) == ["approved", "not_submitted"]
    assert Budget.objects.get(pk=budget.pk).approved == Decimal("30.00")


def test_many_approvals_at_once_stop_exactly_at_the_budget(demo, budget_2027):
    postgresql_only()
    s1, budget = budget_2027
    officer, admin = demo.user("zy_bureau"), demo.user("s1_admin")
    claims = [
        claim_row(s1, month=datetime.date(2027, m, 1), total="30.00", prepared_by=admin) for m in range(1, 13)
    ]
    results = approve_all([(claim, officer) for claim in claims])
    assert results.count("approved") == 3 and results.count("over_budget") == 9
    budget.refresh_from_db()
    assert budget.approved == Decimal("90.00") <= budget.total
