"""Phone width (DESIGN: parents and teachers on phones): pages never scroll sideways at 375 px; and
the browser tests' way onto a phone, signed in as a demo persona."""

import re

from django.conf import settings
from playwright.sync_api import expect

PHONE_WIDTH = 375


def fits_the_phone(page, what: str = "") -> None:
    """Measured once the page has loaded: the DOM can be there before its stylesheets are applied,
    and an unstyled table is wider than a phone (seen under load in CI)."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, what or page.url


def open_main_menu(page) -> None:
    """Open the collapsed navbar once the page's scripts have run: before Bootstrap's handlers are
    attached, a tap on the menu or a dropdown does nothing (seen under load in CI)."""
    page.wait_for_load_state("load")
    page.get_by_role("button", name="菜单").click()


PHONE = {"width": PHONE_WIDTH, "height": 812}


def log_in(page, live_server, username: str) -> None:
    """Sign in on the login page as a demo persona and wait for the welcome page."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()


def open_as(browser, live_server, username: str, *, accept_dialogs: bool = False, **options):
    """A fresh phone-sized browser, signed in as this demo persona: (context, page).
    accept_dialogs answers confirm() with OK (withdraw, run, publish); options go to new_context."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, username)
    return context, page
