"""A school admin, on a phone, creates a venue, an activity and a group through the real forms and
sees the group's sessions."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from activities import services
from activities.models import ActivityGroup
from tests.support.factories import staff
from tests.support.phone import fits_the_phone, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-2026"


def test_a_school_admin_creates_a_venue_an_activity_and_a_group_and_sees_its_sessions(
    live_server, page, demo
):
    s1, admin = demo.school("s1"), demo.user("s1_admin")
    services.term_save(
        school=s1,
        name="浏览器测试学期",
        start=datetime.date(2026, 11, 30),
        end=datetime.date(2026, 12, 31),
        weekdays="12345",
        day_start=datetime.time(16, 0),
        day_end=datetime.time(18, 0),
        actor=admin,
    )
    staff(username="bai_laoshi", last_name="柏", first_name="老师", school=s1)

    page.goto(live_server.url + "/")
    page.get_by_label("用户名或手机号").fill("s1_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()

    # The menu: at 375 px it sits behind the toggler.
    open_main_menu(page)
    page.locator("#nav-activities").click()
    page.get_by_role("link", name="场地", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("场地"))).to_be_visible()

    page.get_by_role("link", name="新建场地").click()
    page.get_by_label("场地名称").fill("浏览器测试活动室")
    page.get_by_label("类型").select_option(label="功能教室")
    page.get_by_label("容量").fill("30")
    page.get_by_label("安全责任人").select_option(label="柏老师（bai_laoshi）")
    page.get_by_role("button", name="保存场地").click()
    expect(page.locator("#venues")).to_contain_text("浏览器测试活动室")

    page.locator("#activities-tabs").get_by_role("link", name="活动").click()
    page.get_by_role("link", name="新建活动").click()
    page.get_by_label("活动名称").fill("浏览器测试手工")
    page.get_by_label("类别").select_option(label="艺术")
    page.get_by_label("简介").fill("折纸与剪纸")
    page.get_by_role("button", name="保存活动").click()
    expect(page.locator("#activities")).to_contain_text("浏览器测试手工")

    page.locator("#activities-tabs").get_by_role("link", name="小组").click()
    page.get_by_role("link", name="新建小组").click()
    page.get_by_label("学期").select_option(label="浏览器测试学期")
    page.get_by_role("combobox", name=re.compile(r"^活动\*?$")).select_option(label="浏览器测试手工")
    page.get_by_label("小组名称").fill("手工一组")
    page.get_by_label("负责教师").select_option(label="柏老师（bai_laoshi）")
    page.get_by_role("combobox", name=re.compile(r"^场地\*?$")).select_option(label="浏览器测试活动室")
    page.get_by_label("容量").fill("25")
    page.get_by_label("3年级").check()
    page.get_by_label("4年级").check()
    page.get_by_label("第1个时段的星期").select_option(label="周二")
    page.get_by_label("第1个时段的开始时间").fill("16:00")
    page.get_by_label("第1个时段的结束时间").fill("17:00")
    page.get_by_role("button", name="保存小组并生成课次").click()

    expect(page.get_by_role("heading", name="浏览器测试手工 · 手工一组")).to_be_visible()
    sessions = page.locator("#sessions tbody tr")
    expect(sessions.first).to_contain_text("2026-12-01")
    expect(sessions.first).to_contain_text("周二")
    expect(sessions.first).to_contain_text("16:00–17:00")
    expect(sessions.first).to_contain_text("浏览器测试活动室")
    expect(sessions).to_have_count(5)  # the Tuesdays of December 2026
    assert ActivityGroup.objects.get(name="手工一组").sessions.count() == 5
    fits_the_phone(page)

    # The week grid shows it on its Tuesday.
    page.goto(live_server.url + "/activities/timetable/?week=2026-12-07")
    expect(page.locator("#week-grid")).to_contain_text("浏览器测试手工 · 手工一组")
