"""Parents' enrollment pages: notice and re-acknowledgement, survey, application form (kept on a
rejected submission), application states, seat and timetable after publication, withdrawal, the
no-service school's providers, and the scope of every page."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityGroup
from enrollment import services
from enrollment.models import FREE_STATEMENT, Application, NoticeAcknowledgement, Placement, Survey
from schools import services as school_services
from tests.support.pages import assert_every_post_form_has_a_csrf_token

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"enrollment:{name}", kwargs=kwargs)


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def acknowledged(demo, notice):
    guardian = demo.child("刘子涵").guardians.get()
    services.notice_acknowledge(notice=notice, guardian=guardian)
    return notice


def form_data(groups, **extra) -> dict:
    data = {
        "days": ["1", "3"],
        "choice_1": str(groups[0].code),
        "choice_2": str(groups[1].code),
        "choice_3": "",
        "pickup": "guardian",
        "safety_commitment": "on",
    }
    data.update(extra)
    return data


def test_it_shows_the_notice_with_the_free_statement_and_asks_to_read_it_first(parent, demo, notice):
    page = html(parent.get(url("family")))
    assert notice.service_method in page and notice.safety_measures in page
    assert FREE_STATEMENT in page
    assert "我已阅读告家长书" in page
    assert "刘子涵" in page and "刘浩然" in page and "陈雨桐" not in page
    assert_every_post_form_has_a_csrf_token(page)
    child = demo.child("刘子涵")
    assert url("apply", student_code=child.code) not in page
    # Applying before reading sends the parent back to the notice.
    response = parent.get(url("apply", student_code=child.code))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#school-{child.school.code}")


def test_a_parent_reads_the_notice_and_is_asked_again_after_a_new_version(parent, demo, notice):
    child = demo.child("刘子涵")
    response = parent.post(url("notice-acknowledge", student_code=child.code), {"version": notice.version})
    assert response.status_code == 302
    guardian = child.guardians.get()
    assert NoticeAcknowledgement.objects.filter(notice=notice, guardian=guardian).exists()
    page = html(parent.get(url("family")))
    assert "您已阅读此版本" in page and "我已阅读告家长书" not in page
    assert url("apply", student_code=child.code) in page

    newer = services.notice_publish(
        term=notice.term,
        service_method="新版：学校统一组织。",
        content="新版：增加科普活动。",
        safety_measures="新版：增加门卫核验。",
        actor=demo.user("s1_admin"),
    )
    page = html(parent.get(url("family")))
    assert "学校发布了新版告家长书，请重新阅读。" in page
    assert "新版：增加科普活动。" in page and "我已阅读告家长书" in page
    assert url("apply", student_code=child.code) not in page
    # Confirming the old version after the new one appeared does not count.
    parent.post(url("notice-acknowledge", student_code=child.code), {"version": notice.version})
    assert not services.notice_acknowledged(term=notice.term, guardian=guardian)
    parent.post(url("notice-acknowledge", student_code=child.code), {"version": newer.version})
    assert services.notice_acknowledged(term=notice.term, guardian=guardian)


def test_a_version_of_no_notice_of_this_term_answers_404_and_records_nothing(parent, demo, notice):
    child = demo.child("刘子涵")
    before = NoticeAcknowledgement.objects.count()
    for version in (notice.version + 1, "", "abc"):
        response = parent.post(url("notice-acknowledge", student_code=child.code), {"version": version})
        assert response.status_code == 404, version
    assert NoticeAcknowledgement.objects.count() == before


def test_the_application_form_shows_the_open_groups_and_no_fee(parent, demo, acknowledged, grade3_groups):
    child = demo.child("刘子涵")
    ActivityGroup.objects.filter(pk=grade3_groups[0].pk).update(capacity=7)
    page = html(parent.get(url("apply", student_code=child.code)))
    open_groups = services.groups_open_to(term=acknowledged.term, student=child)
    for group in open_groups:
        assert group.name in page
    assert "足球" not in page  # 校园足球 is for grades 4–6
    assert "剩余 7 个名额" in page
    assert "周一 16:00–17:00" in page  # a slot
    assert "作业看管" in page and "阅览室" in page  # category and venue
    for word in ("费用", "收费", "缴费", "价格", "支付", "¥", "元/"):
        assert word not in page, word
    # Up to three ranked choices in the first round, the child's valid pick-up persons, consents.
    assert 'name="choice_3"' in page
    assert "刘桂兰" in page
    assert 'name="priority_consent"' in page and 'name="alone_consent"' in page
    assert 'name="safety_commitment"' in page


def test_a_parent_applies_and_sees_the_application_waiting_for_review(
    parent, demo, acknowledged, grade3_groups
):
    child = demo.child("刘子涵")
    response = parent.post(url("apply", student_code=child.code), form_data(grade3_groups))
    assert response.status_code == 302, html(response)
    application = Application.objects.get(term=acknowledged.term, student=child)
    assert application.status == Application.Status.SUBMITTED
    assert application.days == "13"
    assert [c.group for c in application.choices.order_by("rank")] == grade3_groups[:2]
    page = html(parent.get(url("family")))
    assert "待班级审核" in page
    assert url("application-edit", application_code=application.code) in page
    assert url("application-withdraw", application_code=application.code) in page
    assert "无需说明理由" in page
    assert_every_post_form_has_a_csrf_token(page)
    # A second application for the same child goes to the existing one.
    response = parent.get(url("apply", student_code=child.code))
    assert response["Location"] == url("application-edit", application_code=application.code)


def test_a_group_not_offered_to_the_child_is_a_field_error_on_the_form(parent, demo, term, acknowledged):
    """The choice fields take only the groups open to the child: another grade's group, or another
    school's, is refused on the field and no application is made."""
    child = demo.child("刘子涵")
    other_grade = ActivityGroup.objects.filter(term=term).exclude(grades__contains="3").first()
    other_school = ActivityGroup.objects.exclude(term__school=term.school).first()
    for group in (other_grade, other_school):
        data = form_data([group, group], choice_2="")
        response = parent.post(url("apply", student_code=child.code), data)
        assert response.status_code == 200
        assert "choice_1" in response.context["form"].errors
    assert not Application.objects.filter(term=term, student=child).exists()


def test_a_rejected_application_form_keeps_what_was_typed_and_explains_in_chinese(
    parent, demo, acknowledged, grade3_groups
):
    child = demo.child("刘子涵")
    data = form_data(grade3_groups, left_behind="on", other_need="父母在外地务工")
    response = parent.post(url("apply", student_code=child.code), data)
    page = html(response)
    assert response.status_code == 200
    assert "申报优先保障群体，须另行同意学校使用这一敏感信息。" in page
    assert not Application.objects.filter(student=child, term=acknowledged.term).exists()
    assert re.search(r'name="left_behind"[^>]*checked', page)
    assert 'value="父母在外地务工"' in page
    assert re.search(r'name="days" value="1"[^>]*checked', page)
    assert re.search(r'name="days" value="3"[^>]*checked', page)
    assert not re.search(r'name="days" value="2"[^>]*checked', page)
    assert re.search(rf'value="{grade3_groups[0].code}"[^>]*selected', page)
    assert re.search(rf'value="{grade3_groups[1].code}"[^>]*selected', page)

    # Going home alone needs the written consent; authorised pick-up needs a named person.
    page = html(parent.post(url("apply", student_code=child.code), form_data(grade3_groups, pickup="alone")))
    assert "孩子自行回家须有监护人的书面同意。" in page
    page = html(
        parent.post(url("apply", student_code=child.code), form_data(grade3_groups, pickup="authorised"))
    )
    assert "请至少指定一位孩子当前有效的授权接送人。" in page
    assert re.search(r'name="pickup" value="authorised"[^>]*checked', page)
    page = html(
        parent.post(url("apply", student_code=child.code), form_data(grade3_groups, safety_commitment=""))
    )
    assert "请阅读并接受安全承诺。" in page

    data = form_data(
        grade3_groups, left_behind="on", priority_consent="on", pickup="alone", alone_consent="on"
    )
    assert parent.post(url("apply", student_code=child.code), data).status_code == 302
    application = Application.objects.get(student=child, term=acknowledged.term)
    assert application.left_behind and application.priority_consent and application.alone_consent


def test_a_parent_names_authorised_pickup_persons(parent, demo, acknowledged, grade3_groups):
    child = demo.child("刘子涵")
    grandma = child.pickups.get(name="刘桂兰")
    data = form_data(grade3_groups, pickup="authorised", pickup_persons=[str(grandma.code)])
    assert parent.post(url("apply", student_code=child.code), data).status_code == 302
    application = Application.objects.get(student=child, term=acknowledged.term)
    assert list(application.pickup_persons.all()) == [grandma]
    assert "刘桂兰" in html(parent.get(url("family")))


def test_a_parent_corrects_a_returned_application(parent, demo, apply, grade3_groups):
    application = apply()
    services.application_return(application=application, reviewer=demo.user("s1_head31"), note="请补充接送人")
    page = html(parent.get(url("family")))
    assert "已退回修改" in page and "请补充接送人" in page
    edit = url("application-edit", application_code=application.code)
    page = html(parent.get(edit))
    assert "请补充接送人" in page
    assert re.search(r'name="days" value="5"[^>]*checked', page)  # the fixture applied for 1, 3, 5
    response = parent.post(edit, form_data(grade3_groups, days=["1", "4"]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.days == "14"


def test_it_shows_the_seat_and_timetable_only_once_published_and_a_withdrawal_moves_the_wait_list_up(
    parent, client, demo, term, apply, grade3_groups
):
    group = grade3_groups[0]
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=1)
    mine = apply(groups=[group])
    other_name = next(s.name for s in demo.klass("s1", 3, 1).students.order_by("pk") if s.name != "刘子涵")
    other = apply(child_name=other_name, groups=[group])
    for application in (mine, other):
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    admin = demo.user("s1_admin")
    services.placement_run(term=term, actor=admin)
    page = html(parent.get(url("family")))
    assert "学校将统一安排" in page  # approved, draft placement not shown
    assert 'id="placement-' not in page

    services.placement_publish(term=term, actor=admin)
    page = html(parent.get(url("family")))
    seat = Placement.objects.get(application=mine, status="placed")
    assert f'id="placement-{seat.code}"' in page
    for slot in group.slots.all():
        assert f"{slot.start:%H:%M}–{slot.end:%H:%M}" in page
    next_session = group.sessions.filter(date__gte=timezone.localdate()).order_by("date", "start").first()
    assert next_session.date.strftime("%m-%d") in page

    response = parent.post(url("application-withdraw", application_code=mine.code))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Application.Status.WITHDRAWN
    assert Placement.objects.get(application=other, group=group).status == "placed"
    client.force_login(other.guardian.user)
    page = html(client.get(url("family")))
    assert f'id="placement-{Placement.objects.get(application=other, status="placed").code}"' in page


def test_it_shows_the_wait_list_position(parent, demo, term, apply, grade3_groups):
    group = grade3_groups[0]
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=1)
    # 刘子涵 is in a priority group by the school's record: so is the child who applied first.
    first_name = next(
        s.name for s in demo.klass("s1", 3, 1).students.order_by("pk") if s.name != "刘子涵" and s.is_priority
    )
    for application in (apply(child_name=first_name, groups=[group]), apply(groups=[group])):
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    page = html(parent.get(url("family")))
    assert f"在“{group.name}”的候补名单中：第 1 位" in page


def test_the_second_round_offers_one_choice(parent, demo, term, window, acknowledged, grade3_groups):
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    services.second_round_open(term=term, needs_review=False, actor=demo.user("s1_admin"))
    child = demo.child("刘子涵")
    page = html(parent.get(url("apply", student_code=child.code)))
    assert 'name="choice_1"' in page and 'name="choice_2"' not in page
    data = form_data(grade3_groups)
    del data["choice_2"]
    assert parent.post(url("apply", student_code=child.code), data).status_code == 302
    application = Application.objects.get(student=child, term=term)
    assert application.status == "approved" and application.second_round
    assert Placement.objects.get(application=application).status == "placed"


def test_a_parent_answers_the_demand_survey(parent, demo, term):
    now = timezone.now()
    Survey.objects.update_or_create(
        term=term,
        defaults={
            "opens_at": now - datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=1),
        },
    )
    child = demo.child("刘子涵")
    page = html(parent.get(url("family")))
    assert url("survey", student_code=child.code) in page
    response = parent.post(
        url("survey", student_code=child.code),
        {"wants_service": "1", "days": ["1", "2"], "latest_pickup": "17:30", "interests": ["sports", "arts"]},
    )
    assert response.status_code == 302
    answer = term.survey.responses.get(student=child)
    assert answer.wants_service and answer.days == "12" and answer.interests == ["sports", "arts"]
    assert answer.latest_pickup == datetime.time(17, 30)
    assert "已填写调查" in html(parent.get(url("family")))


def test_a_closed_survey_takes_no_answer(parent, demo, term):
    child = demo.child("刘子涵")  # the demo's survey closed in August
    response = parent.post(url("survey", student_code=child.code), {"wants_service": "0"})
    assert response.status_code == 302
    assert not term.survey.responses.filter(student=child).exists()


def test_a_no_service_school_shows_its_explanation_and_the_qualified_providers(client, demo):
    s4 = demo.school("s4")
    student = s4.students.order_by("pk").first()
    link = school_services.guardianship_add(
        student=student, name="赵家长", mobile="13800138444", relationship="母亲", actor=None
    )
    user = link.guardian.user
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    client.force_login(user)
    page = html(client.get(url("family")))
    assert s4.no_service_explanation[:20] in page
    assert "郑州市青少年体育俱乐部" in page  # registered with 郑州市, qualified until 2027
    assert "郑州市七彩艺术培训中心" not in page  # its qualification ended in 2025
    assert client.get(url("apply", student_code=student.code)).status_code == 302


def test_another_family_gets_404_on_every_parent_page(client, demo, apply):
    application = apply()
    client.force_login(demo.user("s1_parent2"))
    child = demo.child("刘子涵")
    for name in ("apply", "survey"):
        assert client.get(url(name, student_code=child.code)).status_code == 404
    assert client.post(url("notice-acknowledge", student_code=child.code), {"version": 1}).status_code == 404
    assert client.get(url("application-edit", application_code=application.code)).status_code == 404
    assert client.post(url("application-withdraw", application_code=application.code)).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert "刘子涵" not in html(client.get(url("family")))


def test_staff_are_sent_to_their_own_enrollment_page(client, demo):
    client.force_login(demo.user("s1_head31"))
    assert client.get(url("family"))["Location"] == url("review")
    client.force_login(demo.user("s1_admin"))
    assert client.get(url("family"))["Location"] == url("admin")
    client.force_login(demo.user("hn_bureau"))
    assert client.get(url("family")).status_code == 404


def test_the_family_page_costs_the_same_queries_with_more_history(
    parent, demo, term, apply, django_assert_max_num_queries
):
    apply()
    with django_assert_max_num_queries(18):
        assert parent.get(url("family")).status_code == 200


def test_the_wait_list_place_counts_only_the_children_still_ahead(client, demo, term, apply, grade3_groups):
    group, other = grade3_groups[0], grade3_groups[1]
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=1)
    names = [s.name for s in demo.klass("s1", 3, 1).students.order_by("pk") if not s.is_priority][:4]
    apps = [apply(child_name=name, groups=[group]) for name in names]
    for application in apps:
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    last = apps[-1]
    assert Placement.objects.get(application=last).position == 3
    second = Placement.objects.get(application=apps[2])
    services.placement_move(placement=second, group=other, actor=demo.user("s1_admin"))
    client.force_login(last.guardian.user)
    assert f"在“{group.name}”的候补名单中：第 2 位" in html(client.get(url("family")))
