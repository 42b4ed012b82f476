"""School term reports upward (F8): prepare → submit → return with notes → resubmit → accept, by
the bureau the school reports to only; one report per school and term; scoped reading."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from notices.models import Notification
from oversight.evaluation import selectors
from oversight.models import TermReport

pytestmark = pytest.mark.django_db

TERM = "2026-spring"  # the demo reports are for 2026-autumn


def _detail(report):
    return reverse("oversight:term-report-detail", kwargs={"term_report_code": report.code})


def _post(client, name, report, data=None):
    return client.post(
        reverse(f"oversight:term-{name}", kwargs={"term_report_code": report.code}), data or {}
    )


def test_it_runs_the_whole_workflow_through_the_pages(client, demo):
    s1 = demo.school("s1")
    client.force_login(demo.user("s1_admin"))
    response = client.post(reverse("oversight:term-report-prepare"), {"school": s1.code, "term": TERM})
    report = TermReport.objects.get(school=s1, term=TERM)
    assert response.status_code == 302 and response["Location"] == _detail(report)
    assert report.status == "draft" and "participation_rate" in report.indicators

    assert _post(client, "report-submit", report).status_code == 302
    report.refresh_from_db()
    assert report.status == "draft", "an empty narrative cannot be submitted"

    narrative = {"summary": "开展顺利", "problems": "场地不足", "plans": "增加场地"}
    assert _post(client, "report-edit", report, narrative).status_code == 302
    _post(client, "report-submit", report)
    report.refresh_from_db()
    assert report.status == "submitted" and report.reviewing_region.code == "410102"
    assert Notification.objects.filter(
        recipient=demo.user("zy_bureau"), kind="evaluation/report_submitted"
    ).exists()
    assert _post(client, "report-edit", report, narrative).status_code == 400, "submitted: locked"

    # Only the bureau the school reports to decides: 郑州市 covers s1 but s1 reports to 中原区.
    client.force_login(demo.user("zz_bureau"))
    assert client.get(_detail(report)).status_code == 200
    assert _post(client, "report-accept", report).status_code == 404
    assert _post(client, "report-return", report, {"note": "x"}).status_code == 404
    client.force_login(demo.user("gy_bureau"))
    assert _post(client, "report-accept", report).status_code == 404

    client.force_login(demo.user("zy_bureau"))
    assert _post(client, "report-return", report, {"note": ""}).status_code == 400
    assert _post(client, "report-return", report, {"note": "请补充出勤情况"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "returned" and report.return_note == "请补充出勤情况"
    returned = Notification.objects.get(recipient=demo.user("s1_admin"), kind="evaluation/report_returned")
    assert "请补充出勤情况" in returned.body

    client.force_login(demo.user("s1_admin"))
    page = client.get(_detail(report)).content.decode()
    assert "请补充出勤情况" in page
    _post(client, "report-edit", report, {**narrative, "summary": "开展顺利，出勤率 95%"})
    _post(client, "report-submit", report)
    report.refresh_from_db()
    assert report.status == "resubmitted"

    client.force_login(demo.user("zy_bureau"))
    assert _post(client, "report-accept", report).status_code == 302
    report.refresh_from_db()
    assert report.status == "accepted" and report.decided_by == demo.user("zy_bureau")
    assert Notification.objects.filter(
        recipient=demo.user("s1_admin"), kind="evaluation/report_accepted"
    ).exists()
    assert _post(client, "report-accept", report).status_code == 302  # refused with a message
    report.refresh_from_db()
    assert report.status == "accepted"
    verbs = list(
        AuditEvent.objects.filter(target_id=str(report.code)).order_by("pk").values_list("verb", flat=True)
    )
    assert verbs == [
        "termreport.prepare",
        "termreport.update",
        "termreport.submitted",
        "termreport.return",
        "termreport.update",
        "termreport.resubmitted",
        "termreport.accept",
    ]


def test_one_report_per_school_and_term(demo):
    s1, admin = demo.school("s1"), demo.user("s1_admin")
    TermReport.objects.create(school=s1, term=TERM, prepared_by=admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        TermReport.objects.create(school=s1, term=TERM, prepared_by=admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        TermReport.objects.create(school=s1, term="2026-winter", prepared_by=admin)


def test_a_province_administered_county_reports_to_its_own_bureau(demo):
    """巩义市 (省直管县) reports to its county bureau; s2's county has no bureau account: the city."""
    assert selectors.reviewing_region_for(demo.school("s3")).code == "410181"
    assert selectors.reviewing_region_for(demo.school("s1")).code == "410102"
    assert selectors.reviewing_region_for(demo.school("s2")).code == "4101"


def test_the_demo_has_a_report_in_each_state(demo):
    states = dict(TermReport.objects.filter(term="2026-autumn").values_list("school__identifier", "status"))
    assert states == {"4101020001": "submitted", "4101050001": "accepted", "4101810001": "returned"}
    assert TermReport.objects.get(school=demo.school("s3"), term="2026-autumn").return_note


@pytest.mark.parametrize(
    "username, school, status",
    [
        ("zy_bureau", "s1", 200),
        ("zz_bureau", "s1", 200),
        ("hn_bureau", "s3", 200),
        ("gy_bureau", "s1", 404),
        ("zz_bureau", "s3", 404),
        ("zy_bureau", "s2", 404),
        ("s2_admin", "s1", 404),
        ("s1_admin", "s1", 200),
        ("s1_head31", "s1", 404),
        ("s1_staff", "s1", 404),
    ],
)
def test_a_report_is_read_only_within_scope(client, demo, username, school, status):
    report = TermReport.objects.get(school=demo.school(school), term="2026-autumn")
    client.force_login(demo.user(username))
    assert client.get(_detail(report)).status_code == status


def test_the_bureau_list_shows_its_region_and_what_awaits_it(client, demo):
    client.force_login(demo.user("zz_bureau"))
    page = client.get(reverse("oversight:term-report-list"), {"term": "2026-autumn"}).content.decode()
    assert "中原区实验小学" in page and "金水区文化路小学" in page and "巩义市紫荆路小学" not in page
    client.force_login(demo.user("gy_bureau"))
    page = client.get(reverse("oversight:term-report-list"), {"term": "2026-autumn"}).content.decode()
    assert "巩义市紫荆路小学" in page and "中原区实验小学" not in page


def test_hn_bureau_reads_s3_but_cannot_decide_it(client, demo):
    report = TermReport.objects.get(school=demo.school("s3"), term="2026-autumn")
    report.status = "resubmitted"
    report.save(update_fields=["status"])
    client.force_login(demo.user("hn_bureau"))
    assert client.get(_detail(report)).status_code == 200
    assert _post(client, "report-accept", report).status_code == 404
    client.force_login(demo.user("gy_bureau"))
    assert _post(client, "report-accept", report).status_code == 302
    report.refresh_from_db()
    assert report.status == "accepted"


def test_a_draft_stays_with_the_school_until_submitted(client, demo):
    report = TermReport.objects.create(school=demo.school("s1"), term=TERM, prepared_by=demo.user("s1_admin"))
    client.force_login(demo.user("zy_bureau"))
    assert client.get(_detail(report)).status_code == 404
    client.force_login(demo.user("s1_admin"))
    assert client.get(_detail(report)).status_code == 200
