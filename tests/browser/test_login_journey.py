import re

import pytest
from playwright.sync_api import expect

from tests.support.factories import PASSWORD, UserFactory
from tests.support.phone import open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_switches_language_and_logs_out(live_server, page):
    user = UserFactory(username="wang_laoshi", last_name="王", first_name="老师")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    page.get_by_label("用户名或手机号").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()

    # At 375 px the menu is collapsed behind the toggler.
    open_main_menu(page)
    page.locator("#logout-button").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.goto(live_server.url + "/notices/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/notices/"))
