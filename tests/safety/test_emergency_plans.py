"""Emergency plans (应急预案): per school and kind, versions (never edited), the responsible person
and document, drills, and a reminder when a plan has not been reviewed for a year."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notices.models import Notification
from safety.models import Drill, EmergencyPlan, PlanReview
from safety.selectors import records as selectors
from safety.services import plans as services
from tests.support.records import MONDAY, at, html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(at(MONDAY, 10, 0), tick=False):
        yield


def test_a_new_version_keeps_the_earlier_and_becomes_current(s1, s1_admin, demo):
    before = EmergencyPlan.objects.get(school=s1, kind="fire")
    plan = services.plan_publish(
        school=s1,
        kind="fire",
        title="消防安全应急预案（2026修订）",
        responsible=demo.user("s1_staff"),
        summary="新增课后服务时段疏散路线。",
        document=SimpleUploadedFile("预案.pdf", b"%PDF-1.4 test"),
        actor=s1_admin,
    )
    assert plan.version == before.version + 1
    assert EmergencyPlan.objects.filter(school=s1, kind="fire").count() == 2
    row = next(r for r in selectors.plans_page(s1, MONDAY) if r.kind == "fire")
    assert row.plan == plan and row.last_reviewed == MONDAY and not row.review_due


def test_it_refuses_an_outsider_as_responsible_and_a_wrong_document(s1, s1_admin, demo):
    base = dict(
        school=s1, kind="weather", title="极端天气应急预案", summary="停课与接送安排。", actor=s1_admin
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_publish(responsible=demo.user("s2_admin"), **base)
    assert exc.value.code == "responsible"
    with pytest.raises(ValidationError) as exc:
        services.plan_publish(responsible=s1_admin, document=SimpleUploadedFile("x.exe", b"MZ"), **base)
    assert exc.value.code == "document_type"
    # A web page renamed to .pdf is refused by its first bytes, as every uploaded document is.
    renamed = SimpleUploadedFile("预案.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError) as exc:
        services.plan_publish(responsible=s1_admin, document=renamed, **base)
    assert exc.value.code == "document_type"
    assert not EmergencyPlan.objects.filter(school=s1, kind="weather").exists()
    # WPS Office's own format (an OLE2 compound file, as Word 97–2003) is taken.
    wps = SimpleUploadedFile("极端天气预案.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    plan = services.plan_publish(responsible=s1_admin, document=wps, **base)
    assert plan.document_name == "极端天气预案.wps"


def test_a_plan_not_reviewed_for_a_year_reminds_the_admin_once(demo):
    s2 = demo.school("s2")
    plan = EmergencyPlan.objects.get(
        school=s2, kind="food_safety"
    )  # demo: written 2025-08, reviewed 2025-09-01
    row = next(r for r in selectors.plans_page(s2, MONDAY) if r.kind == "food_safety")
    assert row.review_due and row.last_reviewed == datetime.date(2025, 9, 1)
    assert services.reminders_plans_review_due(today=MONDAY) >= 1
    services.reminders_plans_review_due(today=MONDAY)
    notes = Notification.objects.filter(recipient=demo.user("s2_admin"), kind="safety/plan_review_due")
    assert notes.count() == 1 and str(plan.code) in notes.get().link
    assert not Notification.objects.filter(
        recipient=demo.user("s1_admin"), kind="safety/plan_review_due"
    ).exists()

    services.plan_review_record(plan=plan, reviewed_on=MONDAY, note="已复核", actor=demo.user("s2_admin"))
    assert not next(r for r in selectors.plans_page(s2, MONDAY) if r.kind == "food_safety").review_due
    services.reminders_plans_review_due(today=MONDAY + datetime.timedelta(days=30))
    assert notes.count() == 1


def test_only_the_current_version_is_reviewed_and_drills_are_recorded_after_the_fact(s1, s1_admin):
    old = EmergencyPlan.objects.get(school=s1, kind="earthquake")
    services.plan_publish(
        school=s1, kind="earthquake", title="地震预案", responsible=s1_admin, summary="s", actor=s1_admin
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_review_record(plan=old, reviewed_on=MONDAY, actor=s1_admin)
    assert exc.value.code == "not_current"
    with pytest.raises(ValidationError) as exc:
        services.drill_record(
            plan=old, held_on=MONDAY + datetime.timedelta(days=1), participants=10, notes="x", actor=s1_admin
        )
    assert exc.value.code == "future"
    drill = services.drill_record(
        plan=old, held_on=MONDAY, participants=250, notes="疏散3分钟", actor=s1_admin
    )
    assert drill.school == s1


def test_the_admin_writes_a_plan_with_its_document_and_records_a_drill(admin_client, s1, demo):
    response = admin_client.post(
        reverse("safety:plan-create"),
        {
            "kind": "weather",
            "title": "极端天气应急预案",
            "responsible": demo.user("s1_staff").pk,
            "summary": "暴雨红色预警时暂停户外活动。",
            "document": SimpleUploadedFile("极端天气.pdf", b"%PDF-1.4 test"),
        },
    )
    assert response.status_code == 302
    plan = EmergencyPlan.objects.get(school=s1, kind="weather")
    page = html(admin_client.get(response["Location"]))
    assert "极端天气.pdf" in page and "暴雨红色预警" in page
    download = admin_client.get(reverse("safety:plan-document", kwargs={"plan_code": plan.code}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]

    response = admin_client.post(
        reverse("safety:plan-drill", kwargs={"plan_code": plan.code}),
        {"drill-held_on": "2026-11-30", "drill-participants": "260", "drill-notes": "全员转移至室内"},
    )
    assert response.status_code == 302 and Drill.objects.filter(plan=plan).count() == 1
    response = admin_client.post(
        reverse("safety:plan-review", kwargs={"plan_code": plan.code}), {"review-reviewed_on": "2026-12-24"}
    )
    assert response.status_code == 200 and 'value="2026-12-24"' in html(response)  # refused, kept
    assert not PlanReview.objects.filter(plan=plan).exists()


def test_the_plans_page_costs_a_fixed_number_of_queries(
    admin_client, s1, s1_admin, django_assert_max_num_queries
):
    url = reverse("safety:plans")
    admin_client.get(url)
    with django_assert_max_num_queries(15) as small:
        admin_client.get(url)
    for kind in ("weather", "intrusion", "traffic", "other"):
        for _ in range(3):
            services.plan_publish(
                school=s1, kind=kind, title=kind, responsible=s1_admin, summary="s", actor=s1_admin
            )
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin_client.get(url)


def test_plans_are_the_school_admins_only(client, demo, s1, s1_admin):
    plan = services.plan_publish(
        school=s1,
        kind="other",
        title="其他",
        responsible=s1_admin,
        summary="s",
        document=SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
        actor=s1_admin,
    )
    kwargs = {"plan_code": plan.code}
    for username in ("s2_admin", "s1_staff", "s1_guard", "zy_bureau", "s1_parent"):
        client.force_login(demo.user(username))
        assert client.get(reverse("safety:plan-detail", kwargs=kwargs)).status_code == 404, username
        assert client.get(reverse("safety:plan-document", kwargs=kwargs)).status_code == 404, username
        assert (
            client.post(
                reverse("safety:plan-review", kwargs=kwargs), {"review-reviewed_on": "2026-11-30"}
            ).status_code
            == 404
        )
        assert client.post(reverse("safety:plan-drill", kwargs=kwargs), {}).status_code == 404
    assert not PlanReview.objects.filter(plan=plan).exists()
