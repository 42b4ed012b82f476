"""F8 on a phone: s3_admin opens the term report 巩义市 returned, reads the bureau's notes, completes
the summary and submits again; gy_bureau accepts it; s3_admin sees it accepted."""

import re

import pytest
from playwright.sync_api import expect

from oversight.models import TermReport
from tests.support.phone import fits_the_phone, open_as, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_returned_report_is_completed_resubmitted_and_accepted(live_server, browser, demo):
    report = TermReport.objects.get(school=demo.school("s3"), term="2026-autumn")
    context, page = open_as(browser, live_server, "s3_admin")
    open_main_menu(page)
    page.locator("#nav-evaluation").click()
    page.locator("#nav-main").get_by_role("link", name="学期报告", exact=True).click()
    page.get_by_role("link", name="2026年秋季学期").click()
    page.locator("#reports").get_by_role("link", name=re.compile("巩义市紫荆路小学")).click()
    expect(page.locator("#return-note")).to_contain_text("工作总结过于简单")
    fits_the_phone(page)
    page.get_by_label("工作总结").fill("本学期参与率、出勤率均保持较高水平，安全管理落实到人。")
    page.get_by_role("button", name="保存报告").click()
    expect(page.get_by_text("报告已保存。")).to_be_visible()
    page.get_by_role("button", name="重新提交").click()
    expect(page.locator("#report-status")).to_contain_text("已重新提交")
    context.close()

    context, page = open_as(browser, live_server, "gy_bureau")
    page.goto(f"{live_server.url}/evaluation/reports/{report.code}/")
    expect(page.locator("#report-narrative")).to_contain_text("安全管理落实到人")
    fits_the_phone(page)
    page.get_by_role("button", name="通过报告").click()
    expect(page.locator("#report-status")).to_contain_text("已通过")
    context.close()

    report.refresh_from_db()
    assert report.status == "accepted"
