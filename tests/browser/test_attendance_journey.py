"""The safety journey at phone width (F5): s1_head31 hands 三年级(1)班 over to s1_staff, who opens
today's session, confirms the count, marks the roll, and releases each child to an authorised
person; a release to a person not on the list is refused, recorded and alerted."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import ActivityGroup, Term
from enrollment import services as enrollment
from enrollment.models import Application
from notices.models import Notification
from safety.models import Attendance, HandoverConfirmation, Release, ReleaseRefusal
from schools import services as org
from tests.support.phone import fits_the_phone, open_as, open_main_menu
from tests.support.rounds import first_round_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def open_menu_link(page, name):
    open_main_menu(page)
    page.locator("#nav-main").get_by_role("link", name=name, exact=True).click()


def service_day(group: ActivityGroup) -> datetime.datetime:
    """16:02 on the group's next session day from today on (the demo's records lie before today)."""
    session = group.sessions.filter(date__gte=timezone.localdate()).order_by("date").first()
    assert session is not None, "the demo term has no session left to run the journey on"
    return datetime.datetime.combine(session.date, datetime.time(16, 2), tzinfo=SHANGHAI)


def three_children_placed(demo, group: ActivityGroup):
    """A fresh round in which three children of 三年级(1)班 have a seat in s1_staff's 作业看管, each
    with an authorised pick-up person valid today."""
    term = Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")
    admin = demo.user("s1_admin")
    first_round_open(term, actor=admin, opened_ago=datetime.timedelta(hours=1))
    notice = enrollment.notice_publish(
        term=term,
        service_method="学校统一组织，家长自愿申请。",
        content="作业看管。",
        safety_measures="考勤、交接班，放学只交给监护人或授权接送人。",
        actor=admin,
    )
    children = list(demo.klass("s1", 3, 1).students.order_by("pk")[:3])
    for index, child in enumerate(children):
        guardian = child.guardians.first()
        pickup = org.pickup_add(
            student=child,
            name=f"接送人{index + 1}号",
            relationship="外婆",
            mobile=f"1391234{5670 + index}",
            id_last4=f"{2460 + index}",
            valid_from=timezone.localdate(),
            valid_until=None,
            actor=guardian.user,
        )
        enrollment.notice_acknowledge(notice=notice, guardian=guardian)
        application = enrollment.application_submit(
            guardian=guardian,
            student=child,
            term=term,
            days="12345",
            group_ids=[group.pk],
            pickup=Application.Pickup.AUTHORISED,
            pickup_persons=[pickup],
            safety_commitment=True,
        )
        enrollment.application_approve(application=application, reviewer=demo.user("s1_head31"))
        enrollment.seat_take(application=application, group=group)
    return children


def test_handover_roll_call_and_release_at_phone_width(live_server, browser, demo):
    group = ActivityGroup.objects.get(term=demo.term("s1"), name="作业看管（1–6年级）")
    assert group.lead.username == "s1_staff"
    with time_machine.travel(service_day(group), tick=True):
        children = three_children_placed(demo, group)
        session = group.sessions.get(date=timezone.localdate())

        # The class teacher hands the class over with a head count.
        head_context, head = open_as(browser, live_server, "s1_head31")
        open_menu_link(head, "交接与请假")
        card = head.locator(f"#class-session-{session.code}")
        expect(card).to_contain_text("作业看管")
        card.get_by_label("清点人数").fill("3")
        card.get_by_role("button", name="交接").click()
        expect(head.locator(f"#class-session-{session.code}")).to_contain_text("等待确认")
        fits_the_phone(head)
        head_context.close()

        # The service teacher opens today's session and confirms the count.
        context, page = open_as(browser, live_server, "s1_staff")
        open_menu_link(page, "今日课后服务")
        expect(page.locator("#pending-handovers")).to_contain_text("三年级(1)班")
        page.locator("#today-sessions").get_by_role("link", name=re.compile("作业看管")).click()
        confirm = page.locator("#handovers-to-confirm")
        expect(confirm).to_contain_text("三年级(1)班")
        confirm.get_by_label("清点人数").fill("3")
        confirm.get_by_role("button", name="确认人数").click()
        expect(page.get_by_role("alert").first).to_contain_text("交接已确认")
        fits_the_phone(page)

        # Roll call: one tap per child, the whole class saved at once.
        page.get_by_role("link", name="点名", exact=True).first.click()
        for child in children:
            page.locator(f'.roll-row[data-student="{child.code}"]').get_by_text("出勤", exact=True).click()
        fits_the_phone(page)
        page.get_by_role("button", name="保存点名").click()
        expect(page.get_by_role("alert").first).to_contain_text("点名已保存")

        # A person not on the list is refused, recorded, and alerts the school and the guardians.
        page.get_by_role("link", name="放学交接", exact=True).first.click()
        first = children[0]
        page.locator(f'.release-row[data-student="{first.code}"]').get_by_role("link").click()
        page.get_by_label("名单外人员").check()
        page.get_by_label("来人自报姓名").fill("王某某")
        fits_the_phone(page)
        page.get_by_role("button", name="记录").click()
        expect(page.locator("#release-errors")).to_contain_text("已拒绝")

        # Each child is released to their authorised person, checked by the last 4 ID digits.
        for index, child in enumerate(children):
            page.goto(f"{live_server.url}/safety/sessions/{session.code}/release/")
            page.locator(f'.release-row[data-student="{child.code}"]').get_by_role("link").click()
            page.get_by_label(f"接送人{index + 1}号（外婆）").check()
            page.get_by_label("身份证后4位", exact=True).check()
            page.get_by_label("来人报的身份证后4位").fill(f"{2460 + index}")
            page.get_by_role("button", name="记录").click()
            expect(page.get_by_role("alert").first).to_contain_text(f"已交给接送人{index + 1}号")
        expect(page.locator("#all-released")).to_be_visible()
        fits_the_phone(page)
        context.close()

    assert HandoverConfirmation.objects.get(handover__session=session).count == 3
    assert Attendance.objects.filter(session=session, status="present").count() == 3
    releases = Release.objects.filter(session=session).order_by("released_at")
    assert [(r.student, r.to, r.verification) for r in releases] == [
        (c, "pickup", "id_last4") for c in children
    ]
    refusal = ReleaseRefusal.objects.get(session=session)
    assert (refusal.student, refusal.person_name, refusal.reason) == (first, "王某某", "unknown")
    alerted = set(
        Notification.objects.filter(kind="safety/release_refused").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"s1_admin", first.guardians.first().user.username} <= alerted
