"""The school admin restricts a pick-up person on a child's record; then the parent, on a phone,
opens the child, sees the restriction (without its reason), adds a pick-up person and ends one."""

import pytest
from playwright.sync_api import expect

from schools.models import AuthorizedPickup
from tests.support.phone import fits_the_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_restricts_and_parent_manages_pickups(live_server, page, demo):
    child = demo.child("刘子涵")
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before ending

    # The school admin works at a desk.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "s1_admin")
    page.goto(live_server.url + "/school/manage/students/")
    page.get_by_label("姓名或学籍号末几位").fill("子涵")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#result-count")).to_contain_text("1 名学生")
    page.get_by_role("link", name="刘子涵").click()

    expect(page.get_by_role("heading", name="刘子涵")).to_be_visible()
    expect(page.locator("#student-number")).to_have_text(child.masked_student_number)
    grandma = page.locator("#pickups .list-group-item", has_text="刘桂兰")
    expect(grandma).to_contain_text("有效")
    grandma.get_by_role("link", name="限制接送").click()

    expect(page.get_by_role("heading", name="限制接送人")).to_be_visible()
    page.get_by_label("原因").fill("法院禁止令，暂停接送")
    page.get_by_role("button", name="限制接送").click()
    expect(page.get_by_role("alert")).to_contain_text("已限制该接送人")
    grandma = page.locator("#pickups .list-group-item", has_text="刘桂兰")
    expect(grandma).to_contain_text("学校已限制")
    expect(grandma).to_contain_text("法院禁止令，暂停接送")
    page.locator("#logout-button").click()

    # The parent uses a phone.
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_server, "s1_parent")
    page.get_by_role("link", name="刘子涵").click()
    expect(page.get_by_role("heading", name="刘子涵")).to_be_visible()
    grandma = page.locator("#pickups .list-group-item", has_text="刘桂兰")
    expect(grandma).to_contain_text("学校已限制此人接您的孩子。请联系学校。")
    expect(page.locator("body")).not_to_contain_text("法院禁止令")

    page.get_by_role("link", name="添加接送人").click()
    page.get_by_label("姓名").fill("刘建军")
    page.get_by_label("与孩子的关系").fill("舅舅")
    page.get_by_label("手机号").fill("13655557777")
    page.get_by_label("其身份证号后4位").fill("123X")
    page.get_by_role("button", name="添加接送人").click()
    expect(page.get_by_role("alert")).to_contain_text("已添加接送人")
    uncle = page.locator("#pickups .list-group-item", has_text="刘建军")
    expect(uncle).to_contain_text("有效")
    # Nothing on the page overflows the phone's width.
    fits_the_phone(page)

    uncle.get_by_role("button", name="终止授权").click()
    uncle = page.locator("#pickups .list-group-item", has_text="刘建军")
    expect(uncle).to_contain_text("已终止")
    expect(uncle.get_by_role("button", name="终止授权")).to_have_count(0)
    ended = AuthorizedPickup.objects.get(student=child, name="刘建军")
    assert ended.ended_at is not None and not ended.is_valid_on(ended.valid_from)
    assert AuthorizedPickup.objects.get(student=child, name="刘桂兰").restricted
