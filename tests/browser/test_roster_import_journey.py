"""The school admin uploads a roster with a bad row, sees it named, uploads the fixed file,
confirms, prints the class's activation slips, a parent activates the account with the slip's
code on a phone, and the admin watches a large import's progress bar finish
(static/js/roster-progress.js)."""

import re

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from schools.models import RosterImport, Student
from tests.support.roster_files import row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_admin_fixes_a_bad_row_imports_and_watches_progress(
    live_server, page, browser, demo, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名或手机号").fill("s1_admin")
    page.get_by_label("密码").fill(django_settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()

    # On a phone-width screen: upload a file whose third student has a bad mobile number.
    page.goto(live_server.url + "/school/roster/import/")
    expect(page.get_by_role("heading", name="花名册导入")).to_be_visible()
    rows = [row(1), row(2), row(3, 监护人手机号="12345")]
    page.get_by_label("花名册文件（.xlsx、.xls 或 .csv）").set_input_files(
        {"name": "花名册.xlsx", "mimeType": XLSX, "buffer": xlsx(rows)}
    )
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("#rejected")).to_contain_text("没有保存任何数据")
    bad = page.locator("#import-errors tbody tr")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("4")
    expect(bad).to_contain_text("监护人手机号")

    # The fixed file passes; confirming imports it.
    # The page's own back link (the navbar's 花名册导入 is collapsed at phone width once styled).
    page.wait_for_load_state("load")
    page.get_by_role("link", name="← 花名册导入", exact=True).click()
    rows[2] = row(3)
    page.get_by_label("花名册文件（.xlsx、.xls 或 .csv）").set_input_files(
        {"name": "花名册-改.xlsx", "mimeType": XLSX, "buffer": xlsx(rows)}
    )
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("#preview-ok")).to_contain_text("已检查 3 行")
    page.get_by_role("button", name="导入这些学生").click()
    expect(page.get_by_role("alert").first).to_contain_text("成功导入 3 名学生")
    assert Student.objects.filter(student_number__startswith="G410103").count() == 3

    # No shared first password: each new parent gets a slip with a code of their own (F13).
    page.get_by_role("link", name="打印激活单").click()
    page.get_by_label("班级").select_option(label="三年级(1)班")
    page.once("dialog", lambda dialog: dialog.accept())  # printing again voids earlier slips
    page.get_by_role("button", name="打印激活单").click()
    slips = page.locator(".activation-slip")
    expect(slips).to_have_count(3)
    first = slips.filter(has_text="王同学1")
    expect(first).to_contain_text("152****0001")
    code = first.locator(".activation-code").inner_text()

    # The parent, on their own phone, activates the account with the mobile number and the code.
    phone = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN").new_page()
    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_role("link", name=re.compile("首次登录")).click()
    phone.get_by_label("手机号或用户名").fill("152 8888 0001")
    phone.get_by_label("激活码").fill(code)
    phone.locator("#id_new_password1").fill("Wang-jia-2026!")
    phone.locator("#id_new_password2").fill("Wang-jia-2026!")
    phone.get_by_role("button", name="激活并登录").click()
    expect(phone.get_by_role("alert").first).to_contain_text("账号已激活")
    expect(phone.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()
    phone.context.close()

    # A large import running on a worker: the bar follows it and the page reloads when it ends.
    running = RosterImport.objects.create(
        school=demo.school("s1"),
        uploaded_by=demo.user("s1_admin"),
        original_name="全校花名册.xlsx",
        status=RosterImport.Status.RUNNING,
        total_rows=2000,
        processed_rows=500,
    )
    page.goto(live_server.url + f"/school/roster/imports/{running.code}/")
    expect(page.locator("#roster-progress-bar")).to_have_attribute("value", "25")
    RosterImport.objects.filter(pk=running.pk).update(processed_rows=1500)
    expect(page.locator("#roster-progress-text")).to_contain_text("1500 / 2000")
    RosterImport.objects.filter(pk=running.pk).update(
        status=RosterImport.Status.DONE,
        processed_rows=2000,
        created_counts={"students": 2000, "classes_new": 0, "accounts_new": 1800, "guardians_linked": 0},
    )
    expect(page.locator("#import-done")).to_contain_text("2000 名学生", timeout=15_000)
