"""F8 in a browser: hn_bureau opens the oversight dashboard from the menu, switches to October, sees
the cards, both charts drawn and the schools table, and drills down to a school's page."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.phone import fits_the_phone, open_as, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bureau_officer_reads_the_dashboard_and_drills_down(live_server, browser, demo):
    context, page = open_as(browser, live_server, "hn_bureau")
    open_main_menu(page)
    page.locator("#nav-oversight").click()
    expect(page.get_by_role("heading", name="督导看板")).to_be_visible()
    page.locator("#oversight-periods").get_by_role("link", name="2026-10", exact=True).click()
    expect(page.locator("#oversight-period")).to_contain_text("2026-10-01")
    expect(page.locator("[data-indicator=attendance]")).to_contain_text("出勤率")
    expect(page.locator("#chart-attendance svg")).to_be_visible()
    expect(page.locator("#chart-participation svg")).to_be_visible()
    fits_the_phone(page)
    page.screenshot(path="var/oversight-dashboard.png", full_page=True)
    s3 = demo.school("s3")
    page.locator("#oversight-schools").get_by_role("link", name=s3.name).click()
    expect(page).to_have_url(re.compile(str(s3.code)))
    context.close()
