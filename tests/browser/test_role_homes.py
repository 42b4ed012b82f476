import re

import pytest
from playwright.sync_api import expect

from tests.support.phone import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-2026"

# docs/demo.md persona -> texts their home page shows from the seeded data (and one it must not show).
PERSONAS = {
    "hn_bureau": (
        ["河南省", "中原区实验小学", "金水区文化路小学", "巩义市紫荆路小学", "中原区西郊小学"],
        None,
    ),
    "zz_bureau": (["郑州市", "中原区实验小学", "金水区文化路小学", "中原区西郊小学"], "巩义市紫荆路小学"),
    "zy_bureau": (["中原区", "中原区实验小学", "中原区西郊小学"], "金水区文化路小学"),
    "gy_bureau": (["巩义市", "巩义市紫荆路小学"], "中原区实验小学"),
    "s1_admin": (["中原区实验小学", "240", "本学期开展课后服务"], None),
    "s1_head31": (["三年级(1)班", "刘子涵", "139****0001"], "陈雨桐"),
    "s1_head32": (["三年级(2)班", "陈雨桐"], "刘子涵"),
    "s1_staff": (["课后服务教师", "中原区实验小学", "星期"], None),
    "s1_guard": (["中原区实验小学", "今天有有效的授权接送人"], None),
    "s1_parent": (["刘子涵", "三年级(1)班", "刘浩然", "五年级(1)班", "刘桂兰"], "陈雨桐"),
    "s1_parent2": (["陈雨桐", "三年级(2)班"], "刘子涵"),
    "s2_admin": (["金水区文化路小学", "240"], "中原区实验小学"),
    "s2_parent": (["杨一诺", "金水区文化路小学"], None),
    "s3_admin": (["巩义市紫荆路小学", "240"], None),
    "s3_parent": (["黄佳琪", "巩义市紫荆路小学"], None),
}


def test_it_shows_each_demo_role_its_home_with_the_seeded_data(live_server, browser, demo):
    for username, (shown, hidden) in PERSONAS.items():
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto(live_server.url + "/")
            page.get_by_label("用户名或手机号").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name=re.compile("欢迎"))).to_be_visible()
            main = page.locator("main")
            for text in shown:
                expect(main, f"{username} should see {text}").to_contain_text(text)
            if hidden:
                expect(main, f"{username} must not see {hidden}").not_to_contain_text(hidden)
            # Phone width: nothing but the wide tables scrolls sideways.
            fits_the_phone(page, username)
        finally:
            context.close()
