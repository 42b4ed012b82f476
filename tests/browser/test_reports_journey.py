"""F8 in a browser: zz_bureau opens the reports page from the menu, asks for the month's report,
watches its progress bar move to done (the page polls the status JSON) and downloads the file."""

import datetime
import io

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from oversight.models import GeneratedReport
from oversight.reports import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bureau_officer_requests_a_report_watches_it_and_downloads_it(
    live_server, browser, demo, monkeypatch, tmp_path
):
    monkeypatch.setattr(settings, "REPORTS_ROOT", tmp_path)
    # The broker is the boundary: hold the task back so that the page shows the report queued, then
    # run what the worker would run. (Patched where the request hands it over, not on the Celery task
    # proxy: the live server's thread may resolve the proxy against another current app.)
    monkeypatch.setattr(services, "_enqueue", lambda report: None)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名或手机号").fill("zz_bureau")
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("#nav-reports").click()
    expect(page.get_by_role("heading", name="报表", exact=True)).to_be_visible()

    month = f"{timezone.localdate().replace(day=1) - datetime.timedelta(days=1):%Y-%m}"
    page.get_by_label("报表").select_option("monthly")
    page.get_by_label("区域或学校").select_option(label="郑州市")
    page.get_by_label("月份或学期").select_option(month)
    page.get_by_label("格式").select_option("xlsx")
    page.get_by_role("button", name="生成报表").click()
    status = page.locator("#report-status")
    expect(status.locator("progress")).to_be_visible()
    expect(status).to_contain_text("排队中")

    report = GeneratedReport.objects.get(requested_by=demo.user("zz_bureau"), status="queued")
    services.report_generate(report_id=report.pk)
    download_link = status.get_by_role("link", name="下载")
    expect(download_link).to_be_visible()  # the poll saw it end and reloaded the page
    with page.expect_download() as info:
        download_link.click()
    data = open(info.value.path(), "rb").read()
    names = {row[0] for row in load_workbook(io.BytesIO(data))["学校"].iter_rows(min_row=2, values_only=True)}
    assert names == {demo.school(k).name for k in ("s1", "s2", "s4")}

    page.get_by_role("link", name="报表").first.click()
    expect(page.locator(f"#report-archive tr[data-report='{report.code}']")).to_contain_text("钱")
    page.screenshot(path="var/oversight-reports.png", full_page=True)
    context.close()
