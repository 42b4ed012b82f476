"""F12: a parent of a school that offers the service finds the register of qualified providers from
the menu on a phone (375 px) and reads it without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.support.phone import PHONE_WIDTH, fits_the_phone, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_parent_opens_the_qualified_providers_from_the_menu_on_a_phone(live_server, browser, demo):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 812}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.get_by_label("用户名或手机号").fill("s1_parent")
        page.get_by_label("密码").fill("demo-2026")
        page.get_by_role("button", name="登录").click()
        open_main_menu(page)
        page.locator("#nav-providers").click()
        expect(page.get_by_role("heading", name="有资质的机构")).to_be_visible()
        main = page.locator("main")
        expect(main).to_contain_text("中原区实验小学")
        expect(main).to_contain_text("郑州市青少年体育俱乐部")
        expect(main).not_to_contain_text("郑州市七彩艺术培训中心")
        fits_the_phone(page, "providers")
    finally:
        context.close()
