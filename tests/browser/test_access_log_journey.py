"""F12: on the phone, a guardian opens their child's page and then who viewed the child's data."""

import pytest
from playwright.sync_api import expect

from tests.support.phone import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guardian_reads_who_viewed_their_child_on_the_phone(live_server, page, demo):
    child = demo.child("刘子涵")
    head = demo.user("s1_head31")
    page.goto(live_server.url + "/")
    page.get_by_label("用户名或手机号").fill("s1_parent")
    page.get_by_label("密码").fill("demo-2026")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/school/family/children/{child.code}/")
    page.get_by_role("link", name="谁查阅了孩子的信息").click()
    expect(page.get_by_role("heading", name="谁查阅了孩子的信息")).to_be_visible()
    log = page.locator("#access-log")
    expect(log).to_contain_text(f"{head.last_name}{head.first_name}")
    expect(log).to_contain_text("班主任 · 中原区实验小学")
    expect(log).to_contain_text("班主任首页的班级名单")
    fits_the_phone(page, "access log")
