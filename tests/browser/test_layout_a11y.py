"""The staff layout holds (no navigation label wraps, nothing scrolls sideways) at 390, 1024, 1280 and
1366 px, and each role's main pages have no serious or critical axe-core violation at 390 and
1280 px. Screenshots of each role's home at 390 and 1280 px go to var/screenshots/ (not committed).

axe-core comes from the npm registry through bin/ensure-axe (`make browser`) into var/cache/axe/."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.support.services import need_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_DIR = Path(settings.BASE_DIR) / "var" / "cache" / "axe"
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
NAV_WIDTHS = [390, 1024, 1280, 1366]
AXE_WIDTHS = [390, 1280]

# Each role's demo persona (docs/demo.md) and its main pages besides the home page.
ROLE_PAGES = {
    "s1_admin": ["safety:today", "safety:still-here", "enrollment:admin", "safety:inspections"],
    "s1_head31": ["safety:class-home", "enrollment:review"],
    "s1_staff": ["safety:today", "safety:history"],
    "s1_guard": ["safety:gate", "safety:still-here"],
    "zy_bureau": ["subsidies:claim-queue", "safety:incidents"],
    "s1_parent": ["safety:family", "enrollment:family"],
}

# Navigation entries whose box must hold one line of text.
NAV_ENTRIES = ", ".join(
    ["#nav-main .nav-link", "#nav-main .dropdown-item", ".app-topbar .navbar-brand", ".app-topbar .nav-link"]
)

WRAPPED = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.offsetParent !== null)
  .map((el) => {
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const content = el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return {text: el.textContent.trim(), content, line, overflow: el.scrollWidth > el.clientWidth + 1};
  })
  .filter((row) => row.content > row.line * 1.5 || row.overflow)"""


def axe_source() -> str:
    found = sorted(AXE_DIR.glob("axe-*.min.js"))
    need_service("axe-core (run bin/ensure-axe)", bool(found))
    return found[-1].read_text()


def sign_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()
    return context, page


def serious_violations(page, source: str) -> list:
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
          return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
            .map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5)
              .map((n) => n.target.join(' ') + ' ' + n.failureSummary)}));
        }"""
    )
    return result


def open_menu_if_collapsed(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        page.wait_for_load_state("load")
        toggler.click()
        expect(page.locator("#nav-main")).to_be_visible()


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_no_navigation_label_wraps_and_nothing_scrolls_sideways(live_server, browser, demo, username):
    context, page = sign_in(browser, live_server, username)
    try:
        for width in NAV_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + reverse("home"))
            page.wait_for_load_state("load")
            open_menu_if_collapsed(page)
            wrapped = page.evaluate(WRAPPED, NAV_ENTRIES)
            assert wrapped == [], (username, width, wrapped)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (username, width)
    finally:
        context.close()


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_each_roles_main_pages_have_no_serious_axe_violation(live_server, browser, demo, username):
    source = axe_source()
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = sign_in(browser, live_server, username)
    found = {}
    try:
        for width in AXE_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name in ["home", *ROLE_PAGES[username]]:
                page.goto(live_server.url + reverse(name))
                if name == "home":
                    page.wait_for_load_state("load")
                    page.screenshot(path=str(SHOTS / f"home-{username}-{width}.png"), full_page=True)
                violations = serious_violations(page, source)
                if violations:
                    found[f"{name} @ {width}"] = violations
            if username == "s1_staff":
                # The roll call of an earlier session, reached from the history (late and left-early buttons).
                page.goto(live_server.url + reverse("safety:history"))
                page.locator("#session-history .history-row").first.get_by_role("link", name="点名").click()
                page.locator("label[for$='-late']").first.wait_for()
                violations = serious_violations(page, source)
                if violations:
                    found[f"roll call @ {width}"] = violations
    finally:
        context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
