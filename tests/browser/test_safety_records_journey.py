"""F6 at the desk and at the office: s1_guard registers a visitor in and out; s1_admin records an
inspection with a critical finding, sees scheduling into that venue refused, signs the finding off,
and then the group is scheduled."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activities import services as activity_services
from activities.models import ActivityGroup, Category, VenueKind
from safety.models import Finding, GateEntry, GateExit
from tests.support.phone import fits_the_phone, log_in, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM = "安全出口和疏散通道畅通、标识清楚"


def test_the_guard_registers_a_visitor_in_and_out(live_server, page, demo):
    log_in(page, live_server, "s1_guard")
    open_main_menu(page)
    page.locator("#nav-gate").click()
    expect(page.get_by_role("heading", name=re.compile("门卫登记"))).to_be_visible()

    page.get_by_label("来访人姓名").fill("王建国")
    page.get_by_label("身份证号").fill("41010219900101104X")
    page.get_by_label("手机号").fill("13900001234")
    page.get_by_label("事由").select_option(label="找老师")
    page.get_by_label("被访人").fill("三年级(1)班班主任")
    page.get_by_role("button", name="登记进入").click()

    inside = page.locator("#inside-now")
    expect(inside).to_contain_text("王建国")
    expect(inside).to_contain_text("**************104X")
    expect(inside).to_contain_text("139****1234")
    expect(page.locator("#inside-now")).not_to_contain_text("41010219900101104X")
    fits_the_phone(page)

    page.get_by_role("button", name="王建国 已离开").click()
    expect(page.locator("#inside-now")).not_to_contain_text("王建国")
    expect(page.locator("#left-today")).to_contain_text("王建国")
    entry = GateEntry.objects.get(name="王建国")
    assert entry.id_last4 == "104X" and GateExit.objects.filter(entry=entry).exists()


def fill_group_form(page, live_server, school):
    page.goto(f"{live_server.url}/activities/groups/new/?school={school.code}")
    page.get_by_label("学期").select_option(label="浏览器安全测试学期")
    page.get_by_role("combobox", name=re.compile(r"^活动\*?$")).select_option(label="浏览器安全测试篮球")
    page.get_by_label("小组名称").fill("安全测试一组")
    page.get_by_label("负责教师").select_option(label="周主任（s1_admin）")
    page.get_by_role("combobox", name=re.compile(r"^场地\*?$")).select_option(label="浏览器安全测试馆")
    page.get_by_label("容量").fill("20")
    page.get_by_label("3年级").check()
    page.get_by_label("第1个时段的星期").select_option(label="周二")
    page.get_by_label("第1个时段的开始时间").fill("16:00")
    page.get_by_label("第1个时段的结束时间").fill("17:00")
    page.get_by_role("button", name="保存小组并生成课次").click()


def test_a_critical_finding_refuses_scheduling_until_it_is_signed_off(live_server, page, demo):
    s1, admin = demo.school("s1"), demo.user("s1_admin")
    today = timezone.localdate()
    start = today + datetime.timedelta(days=7)
    activity_services.term_save(
        school=s1,
        name="浏览器安全测试学期",
        start=start,
        end=start + datetime.timedelta(days=27),
        weekdays="12345",
        day_start=datetime.time(16, 0),
        day_end=datetime.time(18, 0),
        actor=admin,
    )
    activity_services.activity_save(
        school=s1, title="浏览器安全测试篮球", category=Category.SPORTS, actor=admin
    )
    venue = activity_services.venue_save(
        school=s1, name="浏览器安全测试馆", kind=VenueKind.GYM, capacity=40, safety_officer=admin, actor=admin
    )

    log_in(page, live_server, "s1_admin")
    page.goto(f"{live_server.url}/safety/inspections/venues/{venue.code}/")
    page.get_by_role("link", name="记录安全检查").click()
    item = page.locator("fieldset", has_text=ITEM)
    item.get_by_label("发现问题").check()
    page.get_by_label(f"{ITEM}：问题描述").fill("安全出口被器材堵塞")
    page.get_by_label(f"{ITEM}：严重程度").select_option(label="严重")
    page.get_by_label(f"{ITEM}：整改期限").fill((today + datetime.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="保存检查记录").click()
    expect(page.locator("#venue-blocked")).to_contain_text("不能在此安排活动")
    fits_the_phone(page)

    fill_group_form(page, live_server, s1)
    expect(page.locator("#group-form")).to_contain_text("存在未整改的严重安全隐患")
    assert not ActivityGroup.objects.filter(name="安全测试一组").exists()

    page.goto(f"{live_server.url}/safety/inspections/venues/{venue.code}/")
    page.locator("#findings").get_by_role("link", name="销号", exact=True).click()
    page.get_by_label("整改措施").fill("已清理出口通道并复查")
    page.get_by_role("button", name="整改验收销号").click()
    expect(page.get_by_text("浏览器安全测试馆 可以重新安排活动。")).to_be_visible()
    expect(page.locator("#venue-blocked")).to_have_count(0)
    assert Finding.objects.get(venue=venue).signoff.note == "已清理出口通道并复查"

    fill_group_form(page, live_server, s1)
    expect(page.get_by_role("heading", name="浏览器安全测试篮球 · 安全测试一组")).to_be_visible()
    expect(page.locator("#sessions tbody tr").first).to_contain_text("浏览器安全测试馆")
    assert ActivityGroup.objects.get(name="安全测试一组").sessions.exists()
