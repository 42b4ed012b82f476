"""Claims: computed from held workload and the rates in force (teachers capped per month, providers
per session), snapshotted, submitted, approved against the county's budget or returned, marked paid,
exported for finance. Every view answers 404 outside its scope."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from notices.models import Notification
from schools.models import Region
from subsidies import selectors, services
from subsidies.models import Budget, Claim, ClaimLine, Rate
from tests.support.claims import (
    DECEMBER,
    MON_WED,
    MON_WED_HOURS,
    WEEKDAYS,
    claim_row,
    held_hours,
    hold,
)

pytestmark = pytest.mark.django_db

ZHONGYUAN_RATE = Decimal("60.00")  # DEMO: 中原区, per teacher hour from 2026-11-01, cap 1800 a month


def line_of(claim, teacher):
    return claim.lines.get(kind=ClaimLine.Kind.TEACHER, teacher=teacher)


# --- computation ----------------------------------------------------------------------------


def test_it_pays_held_hours_times_the_rate_of_the_nearest_region(s1, s1_admin, make_group):
    group = make_group(slots=MON_WED)
    make_group(slots=MON_WED)  # not held: nothing for its teacher
    assert hold(group) == 9
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    line = line_of(claim, group.lead)
    assert line.sessions == 9 and line.hours == MON_WED_HOURS == Decimal("11.50")
    assert line.rate == ZHONGYUAN_RATE and line.monthly_cap == Decimal("1800.00")
    assert line.amount == line.gross == MON_WED_HOURS * ZHONGYUAN_RATE == Decimal("690.00")
    assert claim.lines.count() == 1
    assert claim.total == Decimal("690.00") and claim.status == Claim.Status.DRAFT
    assert AuditEvent.objects.filter(verb="claim.prepare", target_id=str(claim.code)).exists()


def test_it_caps_a_teachers_month_and_counts_assistants_too(s1, s1_admin, zy_bureau, make_group):
    services.rate_set(
        region=s1.region,
        kind=Rate.Kind.TEACHER_HOUR,
        amount=Decimal("100.00"),
        monthly_cap=Decimal("1000.00"),
        effective_from=DECEMBER,
        actor=zy_bureau,
    )
    from tests.support import builders

    helper = builders.staff(s1, last_name="孙", first_name="助教")
    busy = make_group(slots=WEEKDAYS, assistants=[helper])
    hold(busy)
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    lead = line_of(claim, busy.lead)
    assert lead.hours == Decimal("23.00") and lead.gross == Decimal("2300.00")
    assert lead.amount == lead.monthly_cap == Decimal("1000.00")
    assert line_of(claim, helper).amount == Decimal("1000.00")
    assert claim.total == Decimal("2000.00")


def test_a_rate_change_applies_from_its_date_on(s1, s1_admin, zy_bureau, make_group):
    services.rate_set(
        region=s1.region,
        kind=Rate.Kind.TEACHER_HOUR,
        amount=Decimal("80.00"),
        effective_from=datetime.date(2026, 12, 14),
        actor=zy_bureau,
    )
    group = make_group(slots=MON_WED)
    hold(group)
    line = line_of(services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER), group.lead)
    # Before the 14th: Wed 2, Mon 7, Wed 9 = 4 h at 60; from the 14th: 7.5 h at 80 (no cap).
    assert line.gross == line.amount == Decimal("4") * 60 + Decimal("7.5") * 80 == Decimal("840.00")
    assert line.rate is None and line.monthly_cap is None


def test_the_nearest_region_on_the_reporting_chain_wins(demo):
    s1, s2, s3 = demo.school("s1"), demo.school("s2"), demo.school("s3")
    assert (
        selectors.rate_book(s1).at(Rate.Kind.TEACHER_HOUR, datetime.date(2026, 10, 15)).amount == 50
    )  # 郑州市
    assert (
        selectors.rate_book(s1).at(Rate.Kind.TEACHER_HOUR, datetime.date(2026, 11, 15)).amount == 60
    )  # 中原区
    assert (
        selectors.rate_book(s2).at(Rate.Kind.TEACHER_HOUR, datetime.date(2026, 11, 15)).amount == 50
    )  # 金水区: city's
    assert (
        selectors.rate_book(s3).at(Rate.Kind.TEACHER_HOUR, datetime.date(2026, 11, 15)).amount == 45
    )  # 巩义市
    assert selectors.rate_book(s1).at(Rate.Kind.TEACHER_HOUR, datetime.date(2025, 12, 31)) is None


def test_it_pays_providers_per_session_held_under_the_nearest_contract(s1, s1_admin, make_group, club):
    group = make_group(slots=MON_WED, provider=club)
    hold(group)
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    line = claim.lines.get(kind=ClaimLine.Kind.PROVIDER)
    assert line.provider == club and line.sessions == 9
    assert line.rate == Decimal("300.00") and line.amount == Decimal("2700.00")  # 郑州市's rate per session
    assert line.contract.number == "中原教购〔2026〕003号"  # 中原区's own contract before the city's
    assert claim.total == line.amount + line_of(claim, group.lead).amount


def test_workload_adjustments_count_and_hours_without_a_rate_are_not_paid(s1, s1_admin, make_group):
    group = make_group(slots=MON_WED)
    hold(group, last=datetime.date(2026, 12, 15))
    services.workload_adjust(
        school=s1,
        date=datetime.date(2026, 12, 21),
        teacher=group.lead,
        hours=Decimal("1"),
        reason="12月21日点名系统故障，课后服务照常进行",
        actor=s1_admin,
    )
    line = line_of(services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER), group.lead)
    assert line.hours == held_hours(group) + 1 == Decimal("6.00")
    assert line.amount == Decimal("360.00") and line.unrated == 0


def test_a_submitted_claim_keeps_its_lines_when_rates_change(s1, s1_admin, zy_bureau, make_group):
    group = make_group(slots=MON_WED)
    hold(group)
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    services.claim_submit(claim=claim, actor=s1_admin)
    services.rate_set(
        region=s1.region,
        kind=Rate.Kind.TEACHER_HOUR,
        amount=Decimal("99"),
        effective_from=DECEMBER,
        actor=zy_bureau,
    )
    with pytest.raises(ValidationError) as refused:
        services.claim_recompute(claim=claim, actor=s1_admin)
    assert refused.value.code == "not_editable"
    claim.refresh_from_db()
    assert claim.total == Decimal("690.00") and line_of(claim, group.lead).rate == ZHONGYUAN_RATE


def test_a_returned_claim_is_computed_again_with_the_new_rate(s1, s1_admin, zy_bureau, make_group):
    group = make_group(slots=MON_WED)
    hold(group)
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    services.claim_submit(claim=claim, actor=s1_admin)
    services.claim_return(claim=claim, officer=zy_bureau, note="请按12月起的新标准重新计算")
    services.rate_set(
        region=s1.region,
        kind=Rate.Kind.TEACHER_HOUR,
        amount=Decimal("70"),
        effective_from=DECEMBER,
        actor=zy_bureau,
    )
    services.claim_recompute(claim=claim, actor=s1_admin)
    assert claim.total == MON_WED_HOURS * 70 and claim.status == Claim.Status.RETURNED
    services.claim_submit(claim=claim, actor=s1_admin)
    assert claim.status == Claim.Status.SUBMITTED


def test_it_refuses_overlapping_and_empty_claims(s1, s1_admin, make_group, december_term):
    with pytest.raises(ValidationError) as empty:
        services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    assert empty.value.code == "empty" and not Claim.objects.filter(period_start=DECEMBER).exists()
    hold(make_group(slots=MON_WED))
    services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    with pytest.raises(ValidationError) as overlap:
        services.claim_prepare(school=s1, actor=s1_admin, term=december_term)
    assert overlap.value.code == "overlap"


def test_a_term_claim_caps_each_month_separately(s1, s1_admin, zy_bureau, make_group, december_term):
    services.rate_set(
        region=s1.region,
        kind=Rate.Kind.TEACHER_HOUR,
        amount=Decimal("100.00"),
        monthly_cap=Decimal("1000.00"),
        effective_from=datetime.date(2026, 11, 30),
        actor=zy_bureau,
    )
    group = make_group(slots=WEEKDAYS)
    hold(group, first=december_term.start, last=december_term.end)
    claim = services.claim_prepare(school=s1, actor=s1_admin, term=december_term)
    line = line_of(claim, group.lead)
    months = {m["month"]: Decimal(m["amount"]) for m in line.detail}
    # 30 Nov (1 h), December (23 h, capped), January to the 8th (whatever the holiday calendar runs).
    january = held_hours(group, datetime.date(2027, 1, 1), datetime.date(2027, 1, 8))
    assert 4 <= january <= 6
    assert months == {"2026-11": Decimal("100.00"), "2026-12": Decimal("1000.00"), "2027-01": january * 100}
    assert line.amount == 1100 + january * 100 and claim.period_label == december_term.name


# --- states and the budget ------------------------------------------------------------------


def test_approval_counts_against_the_countys_budget_and_never_exceeds_it(s1, s1_admin, zy_bureau):
    budget = Budget.objects.get(region=s1.region, fiscal_year=2026)
    services.budget_save(
        region=s1.region, fiscal_year=2026, total=budget.approved + 100, actor=zy_bureau, budget=budget
    )
    big = claim_row(s1, month=datetime.date(2026, 6, 1), total="150.00", prepared_by=s1_admin)
    small = claim_row(s1, month=datetime.date(2026, 7, 1), total="80.00", prepared_by=s1_admin)
    with pytest.raises(ValidationError) as refused:
        services.claim_approve(claim=big, officer=zy_bureau)
    assert refused.value.code == "over_budget"
    big.refresh_from_db()
    assert big.status == Claim.Status.SUBMITTED and big.budget is None
    services.claim_approve(claim=small, officer=zy_bureau)
    budget.refresh_from_db()
    assert budget.remaining == Decimal("20.00") and small.budget == budget
    with pytest.raises(ValidationError) as twice:
        services.claim_approve(claim=small, officer=zy_bureau)
    assert twice.value.code == "not_submitted"
    budget.refresh_from_db()
    assert budget.remaining == Decimal("20.00")


def test_cents_add_up_exactly_to_the_budget(s1, s1_admin, zy_bureau):
    """0.10 + 0.20 is 0.30 (SQLite's floats would say otherwise: the sum is Decimal in Python)."""
    budget = services.budget_save(region=s1.region, fiscal_year=2029, total=Decimal("0.30"), actor=zy_bureau)
    for month, total in ((1, "0.10"), (2, "0.20")):
        claim = claim_row(s1, month=datetime.date(2029, month, 1), total=total, prepared_by=s1_admin)
        services.claim_approve(claim=claim, officer=zy_bureau)
    budget.refresh_from_db()
    assert budget.approved == budget.total == Decimal("0.30") and budget.remaining == 0


def test_a_year_without_a_budget_cannot_be_approved(s1, s1_admin, zy_bureau):
    claim = claim_row(s1, month=datetime.date(2031, 3, 1), total="10.00", prepared_by=s1_admin)
    with pytest.raises(ValidationError) as refused:
        services.claim_approve(claim=claim, officer=zy_bureau)
    assert refused.value.code == "no_budget"


def test_the_states_run_draft_submitted_approved_paid_and_tell_the_school(
    s1, s1_admin, zy_bureau, make_group
):
    hold(make_group(slots=MON_WED))
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    with pytest.raises(ValidationError):
        services.claim_mark_paid(claim=claim, officer=zy_bureau, reference="X1")
    services.claim_submit(claim=claim, actor=s1_admin)
    assert Notification.objects.filter(recipient=zy_bureau, kind="subsidies/claim_submitted").exists()
    services.claim_approve(claim=claim, officer=zy_bureau)
    with pytest.raises(ValidationError) as blank:
        services.claim_mark_paid(claim=claim, officer=zy_bureau, reference="  ")
    assert blank.value.code == "reference"
    services.claim_mark_paid(claim=claim, officer=zy_bureau, reference="中原财支〔2027〕0105号")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID and claim.payment_reference == "中原财支〔2027〕0105号"
    kinds = set(Notification.objects.filter(recipient=s1_admin).values_list("kind", flat=True))
    assert {"subsidies/claim_approved", "subsidies/claim_paid"} <= kinds
    with pytest.raises(ValidationError):
        services.claim_discard(claim=claim, actor=s1_admin)


# --- views: school admin --------------------------------------------------------------------


def test_the_school_admin_prepares_submits_and_exports_a_claim(client, s1, s1_admin, make_group):
    group = make_group(slots=MON_WED)
    hold(group)
    client.force_login(s1_admin)
    page = client.get(reverse("subsidies:claim-list")).content.decode()
    assert 'id="prepare-claim"' in page and "60.00" in page  # the rate in force today
    response = client.post(
        reverse("subsidies:claim-prepare") + f"?school={s1.code}", {"kind": "month", "month": "2026-12"}
    )
    claim = Claim.objects.get(school=s1, period_start=DECEMBER)
    assert response.status_code == 302 and response["Location"] == reverse(
        "subsidies:claim-detail", kwargs={"claim_code": claim.code}
    )
    detail = client.get(response["Location"]).content.decode()
    assert "690.00" in detail and 'id="claim-submit"' in detail and 'id="claim-approve"' not in detail
    client.post(reverse("subsidies:claim-submit", kwargs={"claim_code": claim.code}))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    export = client.get(reverse("subsidies:claim-export", kwargs={"claim_code": claim.code}))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "类别", "姓名/单位", "课次")
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][9])) == claim.total


def test_a_rejected_prepare_keeps_what_was_typed(client, s1, s1_admin, december_term):
    client.force_login(s1_admin)
    response = client.post(reverse("subsidies:claim-prepare"), {"kind": "month", "month": "2026-12"})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="error_1_id_month"' in body
    assert 'value="2026-12"' in body
    response = client.post(reverse("subsidies:claim-prepare"), {"kind": "term", "month": ""})
    assert (
        response.status_code == 400
        and not Claim.objects.filter(school=s1, period_start__gte=DECEMBER).exists()
    )


def test_export_cells_cannot_run_as_formulas(client, s1, s1_admin, make_group):
    group = make_group(slots=MON_WED, last_name="=HYPERLINK(", first_name='"x")')
    hold(group)
    claim = services.claim_prepare(school=s1, actor=s1_admin, month=DECEMBER)
    client.force_login(s1_admin)
    data = client.get(reverse("subsidies:claim-export", kwargs={"claim_code": claim.code})).content
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(str(n).startswith("'=") for n in names)


# --- views: bureau --------------------------------------------------------------------------


def test_the_county_bureau_approves_returns_and_marks_paid_through_the_pages(client, s1, s1_admin, zy_bureau):
    first = claim_row(s1, month=datetime.date(2026, 6, 1), total="100.00", prepared_by=s1_admin)
    second = claim_row(s1, month=datetime.date(2026, 7, 1), total="100.00", prepared_by=s1_admin)
    client.force_login(zy_bureau)
    queue = client.get(reverse("subsidies:claim-queue") + "?status=submitted").content.decode()
    assert str(first.code) in queue and "text-bg-danger" in queue  # "to decide"
    client.post(reverse("subsidies:claim-approve", kwargs={"claim_code": first.code}))
    first.refresh_from_db()
    assert first.status == Claim.Status.APPROVED
    # Returning needs a note; the rejected form keeps the page and the claim as it was.
    response = client.post(
        reverse("subsidies:claim-return", kwargs={"claim_code": second.code}), {"return-note": " "}
    )
    assert response.status_code == 400
    second.refresh_from_db()
    assert second.status == Claim.Status.SUBMITTED
    client.post(
        reverse("subsidies:claim-return", kwargs={"claim_code": second.code}), {"return-note": "缺少签字"}
    )
    second.refresh_from_db()
    assert second.status == Claim.Status.RETURNED and second.note == "缺少签字"
    response = client.post(
        reverse("subsidies:claim-paid", kwargs={"claim_code": first.code}), {"paid-reference": ""}
    )
    assert response.status_code == 400
    client.post(
        reverse("subsidies:claim-paid", kwargs={"claim_code": first.code}), {"paid-reference": "PZ-001"}
    )
    first.refresh_from_db()
    assert first.status == Claim.Status.PAID


def test_an_over_budget_approval_shows_why_and_changes_nothing(client, s1, s1_admin, zy_bureau):
    budget = Budget.objects.get(region=s1.region, fiscal_year=2026)
    claim = claim_row(
        s1, month=datetime.date(2026, 6, 1), total=str(budget.remaining + 1), prepared_by=s1_admin
    )
    client.force_login(zy_bureau)
    response = client.post(reverse("subsidies:claim-approve", kwargs={"claim_code": claim.code}), follow=True)
    assert "alert-danger" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert Budget.objects.get(pk=budget.pk).approved == budget.approved


@pytest.mark.parametrize(
    "username, name, status",
    [
        ("zz_bureau", "subsidies:claim-detail", 200),  # a higher bureau reads
        ("hn_bureau", "subsidies:claim-export", 200),
        ("zz_bureau", "subsidies:claim-approve", 404),  # only the county decides
        ("hn_bureau", "subsidies:claim-return", 404),
        ("zz_bureau", "subsidies:claim-paid", 404),
        ("gy_bureau", "subsidies:claim-detail", 404),  # another county
        ("gy_bureau", "subsidies:claim-approve", 404),
        ("s2_admin", "subsidies:claim-detail", 404),  # another school
        ("s2_admin", "subsidies:claim-submit", 404),
        ("zy_bureau", "subsidies:claim-submit", 404),  # the bureau does not submit for the school
        ("zy_bureau", "subsidies:claim-recompute", 404),
        ("s2_admin", "subsidies:claim-recompute", 404),
        ("s2_admin", "subsidies:claim-discard", 404),
        ("s1_staff", "subsidies:claim-detail", 404),  # staff and parents see no claims
        ("s1_head31", "subsidies:claim-export", 404),
        ("s1_parent", "subsidies:claim-detail", 404),
        ("s1_parent", "subsidies:claim-export", 404),
    ],
)
def test_claim_pages_answer_404_outside_the_scope(client, demo, s1, s1_admin, username, name, status):
    claim = claim_row(s1, month=datetime.date(2026, 6, 1), total="100.00", prepared_by=s1_admin)
    client.force_login(demo.user(username))
    url = reverse(name, kwargs={"claim_code": claim.code})
    method = client.get if name in ("subsidies:claim-detail", "subsidies:claim-export") else client.post
    assert method(url).status_code == status
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED


@pytest.mark.parametrize("username", ["s1_staff", "s1_parent", "s1_guard", "zy_bureau"])
def test_the_school_claim_pages_are_for_school_admins_only(client, demo, username):
    client.force_login(demo.user(username))
    assert client.get(reverse("subsidies:claim-list")).status_code == 404
    assert (
        client.post(reverse("subsidies:claim-prepare"), {"kind": "month", "month": "2026-12"}).status_code
        == 404
    )


@pytest.mark.parametrize("username", ["s1_admin", "s1_parent", "s1_staff"])
def test_the_bureau_queue_is_for_bureau_officers_only(client, demo, username):
    client.force_login(demo.user(username))
    assert client.get(reverse("subsidies:claim-queue")).status_code == 404


def test_the_claim_pages_cost_a_fixed_number_of_queries(
    client, s1, s1_admin, zy_bureau, django_assert_max_num_queries
):
    def fill(n, year):
        for month in range(1, n + 1):
            claim_row(s1, month=datetime.date(year, month, 1), total="10.00", prepared_by=s1_admin)

    admin_client, bureau_client = Client(), Client()
    admin_client.force_login(s1_admin)
    bureau_client.force_login(zy_bureau)
    for warm_up in (admin_client, bureau_client):  # the first request of a session costs more
        warm_up.get(reverse("home"))

    def counts(claim_count, year):
        fill(claim_count, year)
        with django_assert_max_num_queries(20) as listed:
            admin_client.get(reverse("subsidies:claim-list"))
        with django_assert_max_num_queries(20) as queued:
            bureau_client.get(reverse("subsidies:claim-queue"))
        return len(listed), len(queued)

    assert counts(1, 2040) == counts(10, 2041)


def test_the_claim_detail_costs_a_fixed_number_of_queries(
    client, s1, s1_admin, demo, django_assert_max_num_queries
):
    from tests.support import builders

    def claim_with(lines: int, year: int) -> Claim:
        claim = claim_row(s1, month=datetime.date(year, 1, 1), total="0.00", prepared_by=s1_admin)
        people = [builders.staff(s1) for _ in range(lines)]
        ClaimLine.objects.bulk_create(
            ClaimLine(claim=claim, kind="teacher", teacher=p, label=p.username, hours=1, gross=1, amount=1)
            for p in people
        )
        return claim

    client.force_login(s1_admin)
    client.get(reverse("subsidies:claim-list"))  # the first request of a session costs more

    def count(claim) -> int:
        with django_assert_max_num_queries(25) as queries:
            assert (
                client.get(reverse("subsidies:claim-detail", kwargs={"claim_code": claim.code})).status_code
                == 200
            )
        return len(queries)

    assert count(claim_with(2, 2042)) == count(claim_with(20, 2043))


def test_regions_are_ordered_province_city_county_in_the_chain(demo):
    s1 = demo.school("s1")
    assert selectors.chain_codes(s1) == ["410102", "4101", "41"]
    assert Region.objects.get(code="410181").reports_to.code == "41"
