"""The enrollment journey at phone width: s1_parent reads the notice and applies for 刘子涵 (each
choice shows its group's days; one with no common day is refused), s1_head31 approves, s1_admin
runs placement and publishes, s1_parent sees the seat and the child's timetable on the family's
days, then withdraws, and the first child on the wait list moves up."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import ActivityGroup, Term
from enrollment import services
from enrollment.models import Application, Placement
from tests.support.phone import fits_the_phone, open_as, open_main_menu
from tests.support.rounds import first_round_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_menu_link(page, name):
    open_main_menu(page)
    page.locator("#nav-main").get_by_role("link", name=name, exact=True).click()


def fresh_first_round(demo):
    """s1's term as a fresh, open first round with a published notice; one grade-3 group with a
    single place, which another child of 三年级(1)班 has already asked for (approved)."""
    term = Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")
    admin = demo.user("s1_admin")
    first_round_open(term, actor=admin, opened_ago=datetime.timedelta(hours=1))
    notice = services.notice_publish(
        term=term,
        service_method="学校统一组织，家长自愿申请，班级审核后由学校统一安排。",
        content="作业看管、阅读、体育、艺术、科普等活动。",
        safety_measures="考勤、交接班，放学只交给监护人或授权接送人。",
        actor=admin,
    )
    group = ActivityGroup.objects.get(term=term, name="作业看管（1–6年级）")
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=1)
    # 刘子涵 is in a priority group by the school's record, so she takes the single place and this
    # child, who applied first, waits.
    other = next(
        s for s in demo.klass("s1", 3, 1).students.order_by("pk") if s.name != "刘子涵" and not s.is_priority
    )
    guardian = other.guardians.first()
    services.notice_acknowledge(notice=notice, guardian=guardian)
    application = services.application_submit(
        guardian=guardian,
        student=other,
        term=term,
        days="12345",
        group_ids=[group.pk],
        pickup=Application.Pickup.GUARDIAN,
        safety_commitment=True,
    )
    services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    return term, group, application


def test_the_enrollment_journey_from_notice_to_withdrawal(live_server, browser, demo):
    term, group, waiting = fresh_first_round(demo)
    child = demo.child("刘子涵")

    # The parent reads the notice and applies.
    parent_context, parent = open_as(browser, live_server, "s1_parent", accept_dialogs=True)
    open_menu_link(parent, "课后服务报名")
    expect(parent.get_by_role("heading", name="课后服务报名")).to_be_visible()
    notice = parent.locator(f"#notice-{child.school.code}")
    expect(notice).to_contain_text("不收取任何费用")
    notice.get_by_role("button", name="我已阅读告家长书").click()
    expect(parent.locator(f"#notice-{child.school.code}")).to_contain_text("您已阅读此版本")
    fits_the_phone(parent)
    card = parent.locator(f"#child-{child.code}")
    card.get_by_role("link", name="为刘子涵申请").click()

    expect(parent.get_by_role("heading", name="申请课后服务")).to_be_visible()
    expect(parent.locator("#open-groups")).to_contain_text("作业看管（1–6年级）")
    # Each choice shows the days its group meets; one that meets on none of the chosen days is
    # refused, and the form keeps what was typed.
    basketball = ActivityGroup.objects.get(term=term, name__startswith="快乐篮球")
    first_choice = parent.get_by_label("第一志愿")
    expect(first_choice.locator(f'option[value="{basketball.code}"]')).to_contain_text("周一、周三上课")
    expect(first_choice.locator(f'option[value="{group.code}"]')).to_contain_text(
        "周一、周二、周三、周四、周五"
    )
    parent.get_by_label("周二").check()
    first_choice.select_option(value=str(basketball.code))
    parent.get_by_label("我已阅读并接受安全承诺。").check()
    parent.get_by_role("button", name="提交申请").click()
    expect(parent.locator("#application-form")).to_contain_text("没有一天相同")
    expect(parent.get_by_label("周二")).to_be_checked()
    expect(parent.get_by_label("第一志愿")).to_have_value(str(basketball.code))
    assert not Application.objects.filter(term=term, student=child).exists()
    parent.get_by_label("周二").uncheck()
    parent.get_by_label("周一").check()
    parent.get_by_label("周三").check()
    parent.get_by_label("第一志愿").select_option(value=str(group.code))
    expect(parent.locator("#pickup-persons-block")).to_be_hidden()
    parent.get_by_label("由指定的授权接送人接").check()
    expect(parent.locator("#pickup-persons-block")).to_be_visible()
    parent.get_by_label("由监护人接").check()
    parent.get_by_label("我已阅读并接受安全承诺。").check()
    fits_the_phone(parent)
    parent.get_by_role("button", name="提交申请").click()
    card = parent.locator(f"#child-{child.code}")
    expect(card.locator(".status-badge")).to_have_text("待班级审核")
    expect(card).to_contain_text("无需说明理由")
    application = Application.objects.get(term=term, student=child, status="submitted")
    assert application.days == "13" and application.choices.get().group == group

    # The class teacher approves it from the queue.
    teacher_context, teacher = open_as(browser, live_server, "s1_head31", accept_dialogs=True)
    open_menu_link(teacher, "班级审核")
    row = teacher.locator(".review-row", has_text="刘子涵")
    expect(row).to_contain_text("作业看管（1–6年级）")
    fits_the_phone(teacher)
    row.get_by_role("button", name="通过", exact=True).click()
    expect(teacher.get_by_role("alert")).to_contain_text("刘子涵的申请已通过。")
    expect(teacher.locator("#review-list")).not_to_contain_text("刘子涵")
    teacher_context.close()

    # The school admin runs the placement and publishes it.
    admin_context, admin = open_as(browser, live_server, "s1_admin", accept_dialogs=True)
    admin.goto(live_server.url + "/enrollment/admin/")
    admin.locator("#enrollment-tabs").get_by_role("link", name="统一安排").click()
    expect(admin.locator("#placement-tie-break")).to_contain_text("按提交时间")
    admin.get_by_role("button", name="进行分配").click()
    expect(admin.get_by_role("alert")).to_contain_text("已安排 1 人，候补 1 人")
    board = admin.locator(f"#group-{group.code}")
    expect(board.locator(".placed-list")).to_contain_text("刘子涵")
    expect(board.locator(".wait-list")).to_contain_text(waiting.student.name)
    admin.get_by_role("button", name="公布").click()
    expect(admin.get_by_role("alert")).to_contain_text("安排结果已公布")
    admin_context.close()

    # The parent sees the seat and the child's timetable, then withdraws.
    parent.goto(live_server.url + "/enrollment/")
    card = parent.locator(f"#child-{child.code}")
    seat = card.locator(".placement")
    expect(seat).to_contain_text("已安排：作业看管（1–6年级）")
    expect(seat).to_contain_text("阅览室")
    expect(seat.locator(".weekly-slots")).to_contain_text("周一 16:00–17:00")
    expect(seat.locator(".weekly-slots")).to_contain_text("周五 16:00–17:00")
    # The child's sessions are the group's sessions on the family's days (Monday and Wednesday).
    mine = group.sessions.filter(date__gte=timezone.localdate(), date__iso_week_day__in=[1, 3])
    next_session = mine.order_by("date", "start").first()
    expect(seat.locator(".next-sessions")).to_contain_text(next_session.date.strftime("%m-%d"))
    expect(seat.locator(".next-sessions")).not_to_contain_text("周二")
    fits_the_phone(parent)
    card.get_by_role("button", name="退出").click()
    card = parent.locator(f"#child-{child.code}")
    expect(card.locator(".status-badge")).to_have_text("已退出")
    parent_context.close()

    # The first child on the wait list has moved up, and their guardian sees the seat.
    assert Placement.objects.get(application=waiting, group=group).status == Placement.Status.PLACED
    assert not Placement.objects.filter(application=application, status="placed").exists()
    other_context, other = open_as(browser, live_server, waiting.guardian.user.username)
    other.goto(live_server.url + "/enrollment/")
    expect(other.locator(f"#child-{waiting.student.code} .placement")).to_contain_text(
        "已安排：作业看管（1–6年级）"
    )
    other_context.close()
