"""Funding per region and year: budgets, purchase-of-services contracts and rates. Each bureau sets
its own region's; higher bureaus read what is under them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.models import Provider
from audit.models import AuditEvent
from schools.models import Membership, Region, Role, User
from subsidies import services
from subsidies.models import Budget, PurchaseContract, Rate

pytestmark = pytest.mark.django_db


def test_a_bureau_sees_the_funding_under_it_and_edits_only_its_own(client, demo):
    client.force_login(demo.user("zz_bureau"))
    page = client.get(reverse("subsidies:funding")).content.decode()
    assert "中原区" in page and "金水区" in page and "巩义市" not in page
    zy_budget = Budget.objects.get(region__code="410102")
    assert reverse("subsidies:budget-edit", kwargs={"budget_code": zy_budget.code}) not in page
    assert (
        client.get(reverse("subsidies:budget-edit", kwargs={"budget_code": zy_budget.code})).status_code
        == 404
    )
    client.force_login(demo.user("zy_bureau"))
    page = client.get(reverse("subsidies:funding")).content.decode()
    assert reverse("subsidies:budget-edit", kwargs={"budget_code": zy_budget.code}) in page
    assert "郑教购〔2026〕017号" in page  # the city's contract covers its schools too


def test_a_county_sets_its_budget_and_cannot_go_below_what_is_approved(client, demo):
    zy = demo.user("zy_bureau")
    client.force_login(zy)
    response = client.post(
        reverse("subsidies:budget-create"),
        {"region": "410102", "fiscal_year": "2027", "total": "180000.00", "note": "2027年预算"},
    )
    assert response.status_code == 302
    budget = Budget.objects.get(region__code="410102", fiscal_year=2027)
    assert budget.total == Decimal("180000.00") and budget.created_by == zy
    duplicate = client.post(
        reverse("subsidies:budget-create"), {"region": "410102", "fiscal_year": "2027", "total": "1.00"}
    )
    assert duplicate.status_code == 400 and 'value="1.00"' in duplicate.content.decode()
    current = Budget.objects.get(region__code="410102", fiscal_year=2026)
    url = reverse("subsidies:budget-edit", kwargs={"budget_code": current.code})
    refused = client.post(url, {"total": str(current.approved - 1)})
    assert refused.status_code == 400
    assert Budget.objects.get(pk=current.pk).total == current.total
    assert client.post(url, {"total": str(current.approved + 5), "note": "调减"}).status_code == 302
    assert Budget.objects.get(pk=current.pk).total == current.approved + 5
    assert AuditEvent.objects.filter(verb="budget.change", target_id=str(current.code)).exists()


def test_a_bureau_cannot_set_funding_for_another_region(client, demo):
    client.force_login(demo.user("zy_bureau"))
    for name, data in (
        ("subsidies:budget-create", {"region": "410105", "fiscal_year": "2027", "total": "1.00"}),
        (
            "subsidies:rate-create",
            {"region": "4101", "kind": "teacher_hour", "amount": "1", "effective_from": "2027-01-01"},
        ),
    ):
        assert client.post(reverse(name), data).status_code == 400  # not a choice
    assert not Budget.objects.filter(region__code="410105", fiscal_year=2027).exists()
    assert not Rate.objects.filter(effective_from=datetime.date(2027, 1, 1)).exists()


def test_a_city_sets_the_budget_of_a_county_without_an_officer_and_its_claims_count_against_it(client, demo):
    """金水区 (s2) has no officer: its city decides its claims (F12), so the city sets its budget too;
    中原区 has its own officer and keeps its own budget to itself."""
    zz = demo.user("zz_bureau")
    client.force_login(zz)
    response = client.post(
        reverse("subsidies:budget-create"),
        {"region": "410105", "fiscal_year": "2027", "total": "90000.00", "note": "金水区2027年"},
    )
    assert response.status_code == 302
    budget = Budget.objects.get(region__code="410105", fiscal_year=2027)
    assert budget.created_by == zz
    page = client.get(reverse("subsidies:funding")).content.decode()
    assert reverse("subsidies:budget-edit", kwargs={"budget_code": budget.code}) in page
    refused = client.post(
        reverse("subsidies:budget-create"), {"region": "410102", "fiscal_year": "2027", "total": "1.00"}
    )
    assert refused.status_code == 400  # 中原区 has zy_bureau: not a choice for the city
    assert not Budget.objects.filter(region__code="410102", fiscal_year=2027).exists()
    # The county's own officer, once appointed, takes it over; the city no longer edits it.
    officer = User.objects.create_user("js_bureau", password=None)
    Membership.objects.create(
        user=officer, role=Role.BUREAU_OFFICER, region=Region.objects.get(code="410105")
    )
    edit = reverse("subsidies:budget-edit", kwargs={"budget_code": budget.code})
    assert client.get(edit).status_code == 404


def test_a_rate_is_set_from_a_date_and_only_teachers_hours_have_a_cap(client, demo):
    client.force_login(demo.user("zy_bureau"))
    url = reverse("subsidies:rate-create")
    capped = {
        "region": "410102",
        "kind": "provider_session",
        "amount": "320",
        "monthly_cap": "999",
        "effective_from": "2027-01-01",
    }
    assert client.post(url, capped).status_code == 400
    response = client.post(url, {**capped, "monthly_cap": ""})
    assert response.status_code == 302
    rate = Rate.objects.get(region__code="410102", kind="provider_session")
    assert rate.amount == Decimal("320.00") and rate.effective_from == datetime.date(2027, 1, 1)
    again = client.post(url, {**capped, "monthly_cap": ""})
    assert (
        again.status_code == 400
        and not Rate.objects.filter(kind="provider_session", amount=Decimal("320"), region__code="410102")
        .exclude(pk=rate.pk)
        .exists()
    )


def test_a_contract_needs_a_provider_qualified_when_it_starts(demo):
    zhengzhou, zy = Region.objects.get(code="4101"), demo.user("zz_bureau")
    lapsed = Provider.objects.get(licence="豫艺培字〔2021〕0052号")  # qualified until 2025-06-30
    with pytest.raises(ValidationError) as refused:
        services.contract_save(
            region=zhengzhou,
            provider=lapsed,
            number="郑教购〔2026〕099号",
            scope="美术",
            amount=Decimal("1000"),
            start=datetime.date(2026, 9, 1),
            end=datetime.date(2026, 12, 31),
            actor=zy,
        )
    assert refused.value.code == "unqualified"
    assert not PurchaseContract.objects.filter(number="郑教购〔2026〕099号").exists()


def test_a_bureau_edits_its_own_contract_through_the_page(client, demo):
    contract = PurchaseContract.objects.get(number="中原教购〔2026〕003号")
    client.force_login(demo.user("zy_bureau"))
    url = reverse("subsidies:contract-edit", kwargs={"contract_code": contract.code})
    page = client.get(url).content.decode()
    assert "中原教购〔2026〕003号" in page
    data = {
        "region": "410102",
        "provider": str(contract.provider.code),
        "number": contract.number,
        "scope": contract.scope,
        "amount": "36000.00",
        "start": "2026-09-01",
        "end": "2026-08-01",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400 and 'value="36000.00"' in refused.content.decode()
    assert client.post(url, {**data, "end": "2027-01-22"}).status_code == 302
    contract.refresh_from_db()
    assert contract.amount == Decimal("36000.00") and contract.end == datetime.date(2027, 1, 22)
    client.force_login(demo.user("zz_bureau"))
    assert client.get(url).status_code == 404  # the city reads it, but it is the county's contract


@pytest.mark.parametrize("username", ["s1_admin", "s1_parent", "s1_staff"])
def test_the_funding_pages_are_for_bureau_officers_only(client, demo, username):
    client.force_login(demo.user(username))
    for name in (
        "subsidies:funding",
        "subsidies:budget-create",
        "subsidies:contract-create",
        "subsidies:rate-create",
    ):
        assert client.get(reverse(name)).status_code == 404


def test_the_funding_page_costs_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    zy = demo.user("zy_bureau")
    client.force_login(zy)
    client.get(reverse("home"))

    def count() -> int:
        with django_assert_max_num_queries(20) as queries:
            client.get(reverse("subsidies:funding"))
        return len(queries)

    before = count()
    region = Region.objects.get(code="410102")
    for year in range(2030, 2040):
        services.budget_save(region=region, fiscal_year=year, total=Decimal(1000), actor=zy)
        services.rate_set(
            region=region,
            kind="teacher_hour",
            amount=Decimal(1),
            effective_from=datetime.date(year, 1, 1),
            actor=zy,
        )
    assert count() == before
