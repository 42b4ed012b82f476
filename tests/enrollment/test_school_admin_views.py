"""The school admin's enrollment pages: window and tie-break, notice versions, survey results with
their chart data, the applications overview, and placement (run, publish, move, second round);
nothing of another school."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityGroup
from enrollment import services
from enrollment.models import Application, EnrollmentWindow, ParentNotice, Placement, SurveyResponse
from tests.support.pages import assert_every_post_form_has_a_csrf_token

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"enrollment:{name}", kwargs=kwargs)


def html(response) -> str:
    return response.content.decode()


def local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def approved(demo, apply, names, groups):
    apps = []
    for name in names:
        application = apply(child_name=name, groups=groups)
        services.application_approve(application=application, reviewer=demo.user("s1_head31"))
        apps.append(application)
    return apps


def class31(demo, n):
    return list(demo.klass("s1", 3, 1).students.order_by("pk").values_list("name", flat=True)[:n])


def test_the_admin_lands_on_the_current_term(admin, term):
    assert admin.get(url("admin"))["Location"] == url("admin-term", term_code=term.code)


def test_it_saves_the_window_and_shows_the_tie_break(admin, term, window):
    page = html(admin.get(url("admin-term", term_code=term.code)))
    assert "按提交时间" in page and 'name="tie_break"' in page
    assert_every_post_form_has_a_csrf_token(page)
    data = {
        "opens_at": local(window.opens_at),
        "closes_at": local(window.closes_at),
        "review_deadline": local(window.review_deadline),
        "tie_break": "lottery",
    }
    assert admin.post(url("admin-term", term_code=term.code), data).status_code == 302
    window.refresh_from_db()
    assert window.tie_break == EnrollmentWindow.TieBreak.LOTTERY
    assert "随机抽签（记录种子）" in html(admin.get(url("admin-term", term_code=term.code)))

    data["review_deadline"] = local(window.opens_at)
    response = admin.post(url("admin-term", term_code=term.code), data)
    page = html(response)
    assert response.status_code == 200
    assert "报名截止须晚于报名开始，班级审核截止须晚于报名截止。" in page
    assert f'value="{data["review_deadline"]}"' in page  # what was typed stays


def test_it_publishes_a_new_notice_version_that_guardians_read_again(admin, demo, term, notice):
    guardian = demo.child("刘子涵").guardians.get()
    services.notice_acknowledge(notice=notice, guardian=guardian)
    page = html(admin.get(url("admin-notice", term_code=term.code)))
    assert notice.content in page and "由平台统一规定" in page
    data = {
        "service_method": "学校统一组织。",
        "content": "阅读、体育、科普。",
        "safety_measures": "点名、交接。",
    }
    response = admin.post(url("admin-notice", term_code=term.code), data)
    assert response.status_code == 302
    latest = services.notice_current(term)
    assert latest.version == notice.version + 1 and latest.content == "阅读、体育、科普。"
    assert not services.notice_acknowledged(term=term, guardian=guardian)
    response = admin.post(url("admin-notice", term_code=term.code), {**data, "safety_measures": ""})
    assert response.status_code == 200
    assert ParentNotice.objects.filter(term=term).latest("version").version == latest.version


def test_the_survey_results_per_class_and_grade_feed_the_charts(admin, term):
    page = html(admin.get(url("admin-survey", term_code=term.code)))
    data = json.loads(
        re.search(r'<script id="survey-data" type="application/json">(.*?)</script>', page).group(1)
    )
    responses = SurveyResponse.objects.filter(survey__term=term)
    wanting = responses.filter(wants_service=True)
    assert data["grades"][:3] == ["一年级", "二年级", "三年级"]
    assert sum(data["wants"]) == wanting.count()
    assert sum(data["wants"]) + sum(data["notWants"]) == responses.count()
    assert data["days"][0] == sum(1 for r in wanting if "1" in r.days)
    assert sum(data["interestCounts"]) == sum(len(r.interests) for r in wanting)
    assert 'id="survey-classes"' in page and "三年级(1)班" in page and 'id="survey-grades"' in page
    assert "vendor/echarts/echarts.min.js" in page and "js/survey-charts.js" in page
    # No inline script: every <script> loads a file or carries JSON data.
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_the_overview_counts_applications_by_class_and_status(admin, demo, term, apply):
    apply()
    apply(child_name="陈雨桐")
    second = apply(child_name=class31(demo, 2)[1])
    services.application_approve(application=second, reviewer=demo.user("s1_head31"))
    page = html(admin.get(url("admin-term", term_code=term.code)))
    row = re.search(r"三年级\(1\)班</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">(\d+|–)<", row) == ["1", "–", "1", "–", "–", "2"]
    total = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S).group(1)
    assert re.findall(r">(\d+)<", total) == ["2", "0", "1", "0", "0", "3"]


def test_the_admin_runs_publishes_moves_and_opens_a_second_round(
    admin, demo, term, window, apply, grade3_groups
):
    EnrollmentWindow.objects.filter(pk=window.pk).update(tie_break="lottery")
    group, other = grade3_groups[0], grade3_groups[1]
    ActivityGroup.objects.filter(pk=group.pk).update(capacity=2)
    apps = approved(demo, apply, class31(demo, 4), [group])
    placement = url("admin-placement", term_code=term.code)
    page = html(admin.get(placement))
    assert "进行分配" in page
    assert_every_post_form_has_a_csrf_token(page)

    assert admin.post(url("placement-run", term_code=term.code))["Location"] == placement
    window.refresh_from_db()
    page = html(admin.get(placement))
    assert window.lottery_seed and f'<code id="lottery-seed">{window.lottery_seed}</code>' in page
    assert "随机抽签（记录种子）" in page
    board = re.search(rf'id="group-{group.code}"(.*?)</section>', page, re.S).group(1)
    assert "名额 2 个，已安排 2 人，剩余 0 个" in board
    waiting = list(Placement.objects.filter(group=group, status="waitlisted").order_by("position"))
    assert [p.position for p in waiting] == [1, 2]
    assert f"{waiting[0].application.student.name}" in board.split("候补名单")[1]

    move = url("placement-move", placement_code=waiting[0].code)
    page = html(admin.get(move))
    assert other.name in page and "足球" not in page  # only groups open to grade 3
    assert admin.post(move, {"group": str(other.code)})["Location"] == placement
    assert Placement.objects.get(application=waiting[0].application, status="placed").group == other

    assert admin.post(url("placement-publish", term_code=term.code)).status_code == 302
    window.refresh_from_db()
    assert window.published_at
    page = html(admin.get(placement))
    assert "进行分配" not in page and 'id="second-round-form"' in page
    assert_every_post_form_has_a_csrf_token(page)
    admin.post(url("second-round-open", term_code=term.code), {"needs_review": "on"})
    window.refresh_from_db()
    assert window.second_round_open and window.second_round_needs_review
    # After publication a run is refused with a clear message.
    response = admin.post(url("placement-run", term_code=term.code), follow=True)
    assert "安排结果已公布，请改用手动调整。" in html(response)
    assert len(apps) == Application.objects.filter(term=term, status="approved").count()


def test_the_placement_page_costs_the_same_queries_at_any_size(
    admin, demo, term, window, apply, grade3_groups, django_assert_max_num_queries
):
    approved(demo, apply, class31(demo, 12), grade3_groups[:2])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    with django_assert_max_num_queries(16):
        assert admin.get(url("admin-placement", term_code=term.code)).status_code == 200


def test_another_school_admin_gets_404_on_every_placement_page(
    client, demo, term, window, apply, grade3_groups
):
    approved(demo, apply, class31(demo, 2), grade3_groups[:1])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    seat = Placement.objects.filter(group__term=term).first()
    before = (
        EnrollmentWindow.objects.get(term=term).placement_run_at,
        list(Placement.objects.filter(group__term=term).values_list("pk", "status", "group_id")),
    )
    pages = [
        url(name, term_code=term.code)
        for name in ("admin-term", "admin-notice", "admin-survey", "admin-placement")
    ] + [url("placement-move", placement_code=seat.code)]
    actions = [
        url(name, term_code=term.code)
        for name in ("admin-term", "admin-notice", "placement-run", "placement-publish", "second-round-open")
    ] + [url("placement-move", placement_code=seat.code)]
    for username in ("s2_admin", "s1_head31", "s1_parent", "zy_bureau"):
        client.force_login(demo.user(username))
        for page in pages:
            assert client.get(page).status_code == 404, (username, page)
        for action in actions:
            assert client.post(action, {"group": str(grade3_groups[1].code)}).status_code == 404, (
                username,
                action,
            )
    after = (
        EnrollmentWindow.objects.get(term=term).placement_run_at,
        list(Placement.objects.filter(group__term=term).values_list("pk", "status", "group_id")),
    )
    assert after == before
    assert not EnrollmentWindow.objects.get(term=term).published_at


def test_it_warns_when_applications_were_approved_after_the_last_run(
    admin, demo, term, window, apply, grade3_groups
):
    names = class31(demo, 2)
    approved(demo, apply, names[:1], grade3_groups[:1])
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    placement = url("admin-placement", term_code=term.code)
    assert 'id="run-again"' not in html(admin.get(placement))
    late = approved(demo, apply, names[1:], grade3_groups[:1])[0]
    page = html(admin.get(placement))
    assert 'id="run-again"' in page
    assert late.student.name in re.search(r'id="unplaced">(.*?)</ul>', page, re.S).group(1)


def test_an_archived_terms_enrollment_pages_are_read_only(demo, client):
    """F15: the demo's spring term has ended: its window, notice and placement pages show its
    records with the archive notice, and no form that would change them."""
    from activities.models import Term

    s1_terms = Term.objects.filter(school=demo.school("s1"))
    spring = s1_terms.get(name="2026年春季学期")
    client.force_login(demo.user("s1_admin"))
    changing = {
        "admin-term": ['name="closes_at"'],
        "admin-notice": ['name="service_method"'],
        "admin-placement": [
            url("placement-run", term_code=spring.code),
            url("placement-publish", term_code=spring.code),
            'name="needs_review"',
            "/enrollment/admin/placements/",
        ],
    }
    for name, marks in changing.items():
        page = html(client.get(url(name, term_code=spring.code)))
        assert 'id="enrollment-archived"' in page, name
        assert [m for m in marks if m in page] == [], name
    live = s1_terms.exclude(pk=spring.pk).order_by("-start").first()
    for name in changing:
        assert 'id="enrollment-archived"' not in html(client.get(url(name, term_code=live.code))), name
    assert 'name="service_method"' in html(client.get(url("admin-notice", term_code=live.code)))
