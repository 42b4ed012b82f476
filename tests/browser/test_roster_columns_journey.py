"""F15: the school admin uploads a register export whose 联系电话 and 家庭电话 could both be the
mobile, picks the column in the preview, sees the columns not used, and imports."""

import re

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from schools.models import Guardian
from schools.roster.samples import table_xlsx
from tests.support.roster_files import HEADERS, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_admin_picks_the_mobile_column_and_imports(live_server, page, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名或手机号").fill("s1_admin")
    page.get_by_label("密码").fill(django_settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()

    headers = ["序号", *HEADERS, "家庭电话"]
    lines = [["学生花名册"], [], headers]
    lines += [[i, *(row(i)[h] for h in HEADERS), f"1370371{i:04d}"] for i in (1, 2)]
    page.goto(live_server.url + "/school/roster/import/")
    page.get_by_label("花名册文件（.xlsx、.xls 或 .csv）").set_input_files(
        {"name": "学籍系统导出.xlsx", "mimeType": XLSX, "buffer": table_xlsx(lines, [((0, 0), (0, 15))])}
    )
    page.get_by_role("button", name="检查文件").click()

    expect(page.locator("#roster-columns-choice")).to_contain_text("列标题取自第 3 行")
    page.get_by_label("监护人手机号").select_option(label="P：家庭电话")
    page.get_by_role("button", name="使用这些列并检查文件").click()

    expect(page.locator("#preview-ok")).to_contain_text("已检查 2 行")
    expect(page.locator("#roster-columns-ignored")).to_contain_text("A：序号")
    expect(page.locator("#roster-columns-ignored")).to_contain_text("I：监护人手机号")
    page.get_by_role("button", name="导入这些学生").click()
    expect(page.get_by_role("alert").first).to_contain_text("成功导入 2 名学生")
    assert Guardian.objects.filter(mobile="13703710002", name="王家长2").exists()
