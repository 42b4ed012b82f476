"""Venue safety inspections: a result per checklist item of the venue's kind, findings with a
rectification deadline and sign-off, overdue reminders to the school admin, and a venue with an
open critical finding refused for scheduling (activities.services.VENUE_BLOCKERS) until signed off."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import services as activity_services
from activities.models import Session
from audit.models import AuditEvent
from notices.models import Notification
from safety import checklists
from safety.models import Finding, FindingSignoff, Inspection, InspectionResult
from safety.services import inspections as services
from safety.services.inspections import ItemCheck
from tests.support.records import MONDAY, at, html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(at(MONDAY, 10, 0), tick=False):
        yield


def all_ok(venue, **problems):
    return [
        problems.get(key, ItemCheck(item=key, result="ok"))
        for key, _label in checklists.checklist_for(venue.kind)
    ]


def critical(item="fire_exits", deadline=datetime.date(2026, 12, 5)):
    return ItemCheck(
        item=item, result="problem", note="安全出口被器材堵塞", severity="critical", deadline=deadline
    )


def test_the_checklist_depends_on_the_kind_of_venue():
    gym = [key for key, _ in checklists.checklist_for("gym")]
    field = [key for key, _ in checklists.checklist_for("sports_field")]
    assert gym[:4] == ["fire_exits", "extinguishers", "lighting", "electrical"] == field[:4]
    assert "floor" in gym and "surface" in field and "floor" not in field
    assert gym[-1] == field[-1] == "other"


def test_it_records_a_result_per_item_and_a_finding_per_problem(venue, s1_admin):
    inspection = services.inspection_record(
        venue=venue,
        inspected_on=MONDAY,
        checks=all_ok(
            venue,
            floor=ItemCheck(
                item="floor",
                result="problem",
                note="地面湿滑",
                severity="minor",
                deadline=datetime.date(2026, 12, 3),
            ),
        ),
        actor=s1_admin,
    )
    assert inspection.results.count() == len(checklists.checklist_for(venue.kind))
    finding = Finding.objects.get(inspection=inspection)
    assert (finding.item, finding.severity, finding.description, finding.venue) == (
        "floor",
        "minor",
        "地面湿滑",
        venue,
    )
    assert AuditEvent.objects.filter(verb="inspection.record", target_id=str(inspection.code)).exists()
    assert services.venue_blocker(venue) is None  # only critical findings close a venue


@pytest.mark.parametrize(
    "change, code",
    [
        (
            {"floor": ItemCheck(item="floor", result="problem", note="", severity="minor", deadline=MONDAY)},
            "problem_note",
        ),
        (
            {"floor": ItemCheck(item="floor", result="problem", note="湿", severity="", deadline=MONDAY)},
            "severity",
        ),
        (
            {
                "floor": ItemCheck(
                    item="floor",
                    result="problem",
                    note="湿",
                    severity="minor",
                    deadline=datetime.date(2026, 11, 1),
                )
            },
            "deadline",
        ),
        ({"floor": ItemCheck(item="floor", result="maybe")}, "result"),
    ],
)
def test_it_refuses_a_problem_without_description_severity_or_deadline(venue, s1_admin, change, code):
    with pytest.raises(ValidationError) as exc:
        services.inspection_record(
            venue=venue, inspected_on=MONDAY, checks=all_ok(venue, **change), actor=s1_admin
        )
    assert exc.value.code == code
    assert not Inspection.objects.filter(venue=venue).exists()


def test_it_refuses_a_missing_item_or_a_future_day(venue, s1_admin):
    with pytest.raises(ValidationError) as exc:
        services.inspection_record(venue=venue, inspected_on=MONDAY, checks=all_ok(venue)[1:], actor=s1_admin)
    assert exc.value.code == "items"
    with pytest.raises(ValidationError) as exc:
        services.inspection_record(
            venue=venue,
            inspected_on=MONDAY + datetime.timedelta(days=1),
            checks=all_ok(venue),
            actor=s1_admin,
        )
    assert exc.value.code == "future"


def test_an_open_critical_finding_refuses_scheduling_until_signed_off(
    venue, s1_admin, make_group, december_term
):
    group = make_group(venue)  # the venue hosts a group already
    services.inspection_record(
        venue=venue, inspected_on=MONDAY, checks=all_ok(venue, fire_exits=critical()), actor=s1_admin
    )
    reason = activity_services.venue_blocked_reason(venue)
    assert reason and "安全测试活动室" in reason

    with pytest.raises(ValidationError) as exc:
        make_group(venue, name="安全测试二组", title="安全测试跳绳", weekday=3)
    assert exc.value.code == "venue_blocked"
    with pytest.raises(ValidationError) as exc:  # regenerating the existing group's sessions too
        activity_services.sessions_generate(group=group)
    assert exc.value.code == "venue_blocked"
    assert Session.objects.filter(group=group).exists()  # the refusal rolled nothing back unasked

    finding = Finding.objects.get(venue=venue)
    services.finding_signoff(finding=finding, note="已清理出口通道", actor=s1_admin)
    assert activity_services.venue_blocked_reason(venue) is None
    second = make_group(venue, name="安全测试二组", title="安全测试跳绳", weekday=3)
    assert second.sessions.count() > 0


def test_a_finding_is_signed_off_once(venue, s1_admin):
    services.inspection_record(
        venue=venue, inspected_on=MONDAY, checks=all_ok(venue, fire_exits=critical()), actor=s1_admin
    )
    finding = Finding.objects.get(venue=venue)
    with pytest.raises(ValidationError) as exc:
        services.finding_signoff(finding=finding, note="  ", actor=s1_admin)
    assert exc.value.code == "note"
    services.finding_signoff(finding=finding, note="已整改", actor=s1_admin)
    with pytest.raises(ValidationError) as exc:
        services.finding_signoff(finding=Finding.objects.get(pk=finding.pk), note="再次", actor=s1_admin)
    assert exc.value.code == "signed_off"
    assert FindingSignoff.objects.filter(finding=finding).count() == 1


def test_overdue_findings_remind_the_school_admin_once_a_week(demo, s1):
    # The demo's 计算机房 finding was due on 2026-11-20 and is not signed off.
    overdue = Finding.objects.get(school=s1, venue__name="计算机房", signoff__isnull=True)
    admin = demo.user("s1_admin")
    assert services.reminders_findings_overdue(today=MONDAY) >= 1
    notes = Notification.objects.filter(
        recipient=admin, kind="safety/finding_overdue", title__contains="计算机房"
    )
    assert notes.count() == 1
    assert not Notification.objects.filter(recipient=admin, title__contains="运动场").exists()  # due 12-04
    assert str(overdue.code) in notes.first().link
    services.reminders_findings_overdue(today=MONDAY + datetime.timedelta(days=2))  # same ISO week
    assert notes.count() == 1
    services.reminders_findings_overdue(today=MONDAY + datetime.timedelta(days=7))
    assert notes.count() == 2
    assert Notification.objects.filter(recipient=admin, title__contains="运动场").count() == 1
    assert not Notification.objects.filter(
        recipient=demo.user("s2_admin"), title__contains="计算机房"
    ).exists()


# --- pages ------------------------------------------------------------------------------------


def inspection_post(venue, **problems) -> dict:
    data = {"inspected_on": MONDAY.isoformat(), "note": ""}
    for key, _label in checklists.checklist_for(venue.kind):
        data[f"{key}_result"] = "ok"
    for key, values in problems.items():
        data.update({f"{key}_{field}": value for field, value in values.items()})
    return data


def test_the_admin_records_an_inspection_and_signs_the_finding_off(admin_client, venue, make_group):
    make_group(venue)
    url = reverse("safety:inspection-create", kwargs={"venue_code": venue.code})
    page = html(admin_client.get(url))
    assert "地面干燥、不湿滑" in page or "The floor is dry and not slippery" in page
    response = admin_client.post(
        url,
        inspection_post(
            venue,
            fire_exits={
                "result": "problem",
                "note": "出口堵塞",
                "severity": "critical",
                "deadline": "2026-12-05",
            },
        ),
    )
    assert response.status_code == 302
    page = html(admin_client.get(response["Location"]))
    assert 'id="venue-blocked"' in page and "出口堵塞" in page
    assert "venue closed" in page or "场地停用" in page  # the sessions booked there show the warning

    finding = Finding.objects.get(venue=venue)
    response = admin_client.post(
        reverse("safety:finding-detail", kwargs={"finding_code": finding.code}), {"note": "已清理"}
    )
    assert response.status_code == 302
    assert 'id="venue-blocked"' not in html(admin_client.get(response["Location"]))


def test_a_rejected_inspection_keeps_what_was_typed(admin_client, venue):
    url = reverse("safety:inspection-create", kwargs={"venue_code": venue.code})
    response = admin_client.post(
        url, inspection_post(venue, floor={"result": "problem", "note": "地面有积水"})
    )
    page = html(response)
    assert response.status_code == 200
    assert 'value="地面有积水"' in page
    assert not Inspection.objects.filter(venue=venue).exists()


def test_the_overview_lists_venues_and_open_findings_with_overdue_marked(admin_client, s1):
    page = html(admin_client.get(reverse("safety:inspections")))
    assert "旧礼堂" in page and "计算机房" in page
    findings = page.split('id="open-findings"')[1]
    assert "教师机插线板串接" in findings and "table-danger" in findings  # due 11-20, still open
    assert "篮球架底座护垫破损" not in findings  # signed off in September


def test_inspection_pages_cost_the_same_queries_at_n_and_10n(
    admin_client, venue, s1_admin, django_assert_max_num_queries
):
    def inspect(n):
        for _ in range(n):
            services.inspection_record(
                venue=venue,
                inspected_on=MONDAY,
                checks=all_ok(
                    venue,
                    floor=ItemCheck(
                        item="floor", result="problem", note="湿", severity="minor", deadline=MONDAY
                    ),
                ),
                actor=s1_admin,
            )

    urls = [reverse("safety:inspections"), reverse("safety:venue-safety", kwargs={"venue_code": venue.code})]
    inspect(2)
    budgets = []
    for url in urls:
        admin_client.get(url)
        with django_assert_max_num_queries(20) as captured:
            admin_client.get(url)
        budgets.append(len(captured.captured_queries))
    inspect(18)
    for url, budget in zip(urls, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            assert admin_client.get(url).status_code == 200


def test_inspection_pages_are_the_school_admins_only(client, demo, venue, s1_admin):
    inspection = services.inspection_record(
        venue=venue, inspected_on=MONDAY, checks=all_ok(venue, fire_exits=critical()), actor=s1_admin
    )
    finding = Finding.objects.get(inspection=inspection)
    urls = [
        reverse("safety:venue-safety", kwargs={"venue_code": venue.code}),
        reverse("safety:inspection-create", kwargs={"venue_code": venue.code}),
        reverse("safety:inspection-detail", kwargs={"inspection_code": inspection.code}),
        reverse("safety:finding-detail", kwargs={"finding_code": finding.code}),
    ]
    for username in ("s2_admin", "s1_staff", "s1_guard", "s1_parent", "zy_bureau"):
        client.force_login(demo.user(username))
        for url in urls:
            assert client.get(url).status_code == 404, (username, url)
            assert client.post(url, {"note": "x"}).status_code in (404, 405), (username, url)
    assert not FindingSignoff.objects.filter(finding=finding).exists()
    assert InspectionResult.objects.filter(inspection__venue=venue).count() == len(
        checklists.checklist_for("gym")
    )
