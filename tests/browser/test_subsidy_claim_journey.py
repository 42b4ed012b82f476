"""F7 on a phone: s1_admin prepares and submits December's claim, whose teacher amounts are the hours
held × the hourly rate (capped per month); zy_bureau approves it; the .xlsx for finance opens with
the same totals."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from activities.models import ActivityGroup, Term
from subsidies import services
from subsidies.models import Claim, Rate
from tests.support.claims import DECEMBER, held_hours, hold
from tests.support.phone import fits_the_phone, open_as, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATE, CAP = Decimal("80.00"), Decimal("1000.00")


def open_menu(page, menu_id, link):
    open_main_menu(page)
    page.locator(f"#{menu_id}").click()
    page.locator("#nav-main").get_by_role("link", name=link, exact=True).click()


def test_a_months_claim_is_prepared_submitted_approved_and_exported(live_server, browser, demo):
    s1 = demo.school("s1")
    # 中原区 raises its hourly rate from 1 December, with a monthly cap per teacher.
    services.rate_set(
        region=s1.region,
        kind=Rate.Kind.TEACHER_HOUR,
        amount=RATE,
        monthly_cap=CAP,
        effective_from=DECEMBER,
        actor=demo.user("zy_bureau"),
    )
    # Roll call taken in December for s1_staff's daily 作业看管 and the twice-weekly 快乐篮球.
    term = Term.objects.get(school=s1, name="2026年秋季学期")
    groups = [ActivityGroup.objects.get(term=term, activity__title=t) for t in ("作业看管", "快乐篮球")]
    expected = {}
    for group in groups:
        assert hold(group) > 0
        expected[group.lead.display_name] = min(held_hours(group) * RATE, CAP).quantize(Decimal("0.01"))
    assert len(expected) == 2 and groups[0].lead.username == "s1_staff"
    assert expected[groups[0].lead.display_name] == CAP  # 20-odd hours a month: capped

    # The school admin prepares December's claim and submits it.
    context, page = open_as(browser, live_server, "s1_admin", accept_downloads=True)
    open_menu(page, "nav-subsidies", "补助申报")
    expect(page.get_by_role("heading", name=re.compile("补助申报"))).to_be_visible()
    page.get_by_label("月份").fill("2026-12")
    page.get_by_role("button", name="编制申报").click()
    expect(page.get_by_role("alert")).to_contain_text("申报已编制")
    for name, amount in expected.items():
        row = page.locator(f'#claim-lines tr[data-kind="teacher"][data-payee="{name}"]')
        expect(row.locator(".line-amount")).to_have_text(f"{amount}")
        expect(row.locator(".line-rate")).to_have_text(f"{RATE}")
    fits_the_phone(page)
    page.get_by_role("button", name="提交教育局").click()
    expect(page.get_by_role("alert")).to_contain_text("申报已提交教育局。")
    expect(page.locator("#claim-status")).to_contain_text("已提交")
    context.close()

    claim = Claim.objects.get(school=s1, period_start=DECEMBER)
    assert claim.status == Claim.Status.SUBMITTED

    # The county bureau finds it among the claims to approve and approves it.
    context, page = open_as(browser, live_server, "zy_bureau", accept_downloads=True)
    open_menu(page, "nav-bureau-subsidies", "待审批的补助申报")
    page.locator("#claim-queue tr", has_text="2026-12").get_by_role("link", name="中原区实验小学").click()
    expect(page.locator("#claim-budget")).to_be_visible()
    page.get_by_role("button", name="通过").click()
    expect(page.get_by_role("alert")).to_contain_text("申报已批准。")
    expect(page.locator("#claim-status")).to_contain_text("已批准")
    shown_total = Decimal(page.locator("#claim-total").inner_text())

    # Finance's spreadsheet has the same lines and totals.
    with page.expect_download() as download:
        page.locator("#claim-export").click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    rows = list(book["补助明细"].iter_rows(values_only=True))
    assert rows[0][2] == "姓名/单位" and rows[0][9] == "金额（元）"
    amounts = {row[2]: Decimal(str(row[9])) for row in rows[1:-1] if row[1] == "教师"}
    assert all(amounts[name] == amount for name, amount in expected.items())
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][9])) == shown_total == claim.total
    assert sum(Decimal(str(row[9])) for row in rows[1:-1]) == shown_total
    about = dict(book["申报信息"].iter_rows(min_row=2, values_only=True))
    assert about["状态"] == "已批准" and about["学校"] == "中原区实验小学"
    context.close()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.decided_by.username == "zy_bureau"
    assert claim.budget.fiscal_year == datetime.date(2026, 12, 1).year
