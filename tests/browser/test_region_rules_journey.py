"""F17: 中原区's officer sets the region's earliest end and a watch word; s1's admin creates an
activity with that word, which is held; the officer approves it with a note; then it gets sessions."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activities import rules, services
from activities.models import Activity, Review, Term, VenueKind
from tests.support.factories import staff
from tests.support.phone import fits_the_phone, log_in, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_sets_the_rules_and_approves_a_held_activity(live_server, browser, demo):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()

    # The officer: region rules, from the menu.
    log_in(page, live_server, "zy_bureau")
    open_main_menu(page)
    page.locator("#nav-region-rules").click()
    expect(page.get_by_role("heading", name="中原区的规则")).to_be_visible()
    expect(page.locator("#region-values")).to_contain_text("由郑州市设定")  # 17:30 inherited
    page.locator("[name=earliest_end]").fill("17:45")
    page.locator("[name=watch_terms]").fill("拔高\n创优")
    page.get_by_role("button", name="保存本地区规则").click()
    expect(page.locator("#region-values")).to_contain_text("17:45")
    expect(page.locator("#region-values")).to_contain_text("由中原区设定")
    expect(page.locator("#held-words")).to_contain_text("创优")
    fits_the_phone(page, "region rules")
    assert rules.policy_for(demo.school("s1")).earliest_end == datetime.time(17, 45)
    context.clear_cookies()

    # The school admin: an activity with the watch word asks for an explanation, then is held.
    log_in(page, live_server, "s1_admin")
    page.goto(live_server.url + "/activities/new/")
    page.get_by_label("活动名称").fill("创优阅读小组")
    page.get_by_label("类别").select_option(label="自主阅读")
    page.get_by_label("简介").fill("共读绘本，不讲授新课。")
    page.get_by_role("button", name="保存活动").click()
    expect(page.get_by_text(re.compile("可能变相授课的词语（创优）"))).to_be_visible()
    page.get_by_label("向教育局的说明").fill("学生自愿参加的阅读兴趣小组。")
    page.get_by_role("button", name="保存活动").click()
    expect(page.locator("#activities")).to_contain_text("创优阅读小组")
    expect(page.locator("#activities")).to_contain_text("待教育局审核")
    activity = Activity.objects.get(school=demo.school("s1"), title="创优阅读小组")
    assert activity.review == Review.HELD
    context.clear_cookies()

    # The officer approves it with a note.
    log_in(page, live_server, "zy_bureau")
    open_main_menu(page)
    page.locator("#nav-content-review").click()
    page.locator("#review-held").get_by_role("link", name=re.compile("创优阅读小组")).click()
    expect(page.locator("#review-activity")).to_contain_text("学生自愿参加的阅读兴趣小组。")
    page.get_by_label("通过", exact=True).check()
    page.get_by_label("给学校的意见").fill("阅读活动，同意开展。")
    page.get_by_role("button", name="记录审核决定").click()
    expect(page.get_by_text("已审核通过，并已通知学校")).to_be_visible()
    fits_the_phone(page, "content review")
    activity.refresh_from_db()
    assert activity.review == Review.APPROVED and activity.review_note == "阅读活动，同意开展。"

    # And now it gets sessions.
    s1 = demo.school("s1")
    term = Term.objects.filter(school=s1, end__gte=timezone.localdate()).order_by("start").first()
    lead = staff(username="f17_laoshi", last_name="韩", first_name="老师", school=s1)
    group = services.group_save(
        activity=activity,
        term=term,
        name="阅读一组",
        lead=lead,
        venue=services.venue_save(
            school=s1,
            name="阅读角（测试）",
            kind=VenueKind.READING_ROOM,
            capacity=30,
            safety_officer=lead,
            actor=None,
        ),
        grades="345",
        capacity=20,
        slots=[(3, datetime.time(17), datetime.time(17, 45))],
        actor=demo.user("s1_admin"),
    )
    assert group.sessions.exists()
    context.close()
