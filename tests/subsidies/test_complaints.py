"""Complaints (监督): a guardian reports charging, forced participation, extra lessons or a safety
concern about their child's school to the county bureau, not to the school. The bureau records its
handling and replies to the guardian; the school sees only a summary the bureau shares, and the
guardian's identity only if they agreed. Counts by kind feed the bureau's indicators (F8)."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from notices.models import Notification
from subsidies import selectors, services
from subsidies.models import Complaint, ComplaintNote

pytestmark = pytest.mark.django_db


def report(
    client, demo, *, share=False, kind="charging", text="老师要求每人交200元资料费，否则不能参加课后服务"
):
    client.force_login(demo.user("s1_parent"))
    child = demo.child("刘浩然")
    data = {"student": str(child.code), "kind": kind, "description": text}
    if share:
        data["share_identity"] = "on"
    response = client.post(reverse("subsidies:complaint-new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Complaint.objects.filter(guardian__user__username="s1_parent").latest("created")


def test_a_parents_report_reaches_the_county_bureau_and_not_the_school_until_shared(client, demo):
    complaint = report(client, demo)
    assert complaint.school == demo.school("s1") and complaint.status == Complaint.Status.RECEIVED
    detail = reverse("subsidies:complaint-detail", kwargs={"complaint_code": complaint.code})
    assert Notification.objects.filter(recipient=demo.user("zy_bureau"), link=detail).exists()
    assert not Notification.objects.filter(recipient=demo.user("s1_admin"), link=detail).exists()

    client.force_login(demo.user("zy_bureau"))
    page = client.get(detail).content.decode()
    assert "200元资料费" in page and "刘浩然" in page and 'id="share"' in page
    assert str(complaint.code) in client.get(reverse("subsidies:complaint-list")).content.decode()

    admin = Client()
    admin.force_login(demo.user("s1_admin"))
    assert admin.get(detail).status_code == 404
    assert str(complaint.code) not in admin.get(reverse("subsidies:complaint-list")).content.decode()

    client.post(
        reverse("subsidies:complaint-share", kwargs={"complaint_code": complaint.code}),
        {"share-summary": "有家长反映课后服务收取资料费，请学校自查并书面说明。"},
    )
    page = admin.get(detail).content.decode()
    assert "请学校自查并书面说明" in page
    assert "200元资料费" not in page  # the guardian's own words stay with the bureau
    assert "刘浩然" not in page and "刘" not in page.split('id="shared-summary"')[1].split("</div>")[0]
    assert str(complaint.code) in admin.get(reverse("subsidies:complaint-list")).content.decode()
    assert Notification.objects.filter(
        recipient=demo.user("s1_admin"), kind="subsidies/complaint_shared"
    ).exists()


def test_the_school_learns_who_reported_only_if_the_guardian_agreed(client, demo):
    complaint = report(client, demo, share=True, kind="forced", text="不参加课后服务要写检讨")
    services.complaint_share(
        complaint=complaint, officer=demo.user("zy_bureau"), summary="有家长反映强制参加。"
    )
    client.force_login(demo.user("s1_admin"))
    page = client.get(
        reverse("subsidies:complaint-detail", kwargs={"complaint_code": complaint.code})
    ).content.decode()
    assert 'id="reporter"' in page and "刘浩然" in page


def test_the_bureau_records_handling_and_the_guardian_sees_only_the_reply(client, demo):
    complaint = report(client, demo)
    zy = demo.user("zy_bureau")
    client.force_login(zy)
    note_url = reverse("subsidies:complaint-note", kwargs={"complaint_code": complaint.code})
    refused = client.post(note_url, {"note-text": " "})
    assert refused.status_code == 400 and not ComplaintNote.objects.filter(complaint=complaint).exists()
    client.post(note_url, {"note-text": "已电话联系学校分管校长核实"})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.HANDLING
    client.post(
        reverse("subsidies:complaint-reply", kwargs={"complaint_code": complaint.code}),
        {"reply-text": "经核实学校未收取费用，相关通知已撤回。"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED and complaint.replied_by == zy
    assert AuditEvent.objects.filter(verb="complaint.reply", target_id=str(complaint.code)).exists()
    parent = demo.user("s1_parent")
    assert Notification.objects.filter(recipient=parent, kind="subsidies/complaint_replied").exists()
    client.force_login(parent)
    page = client.get(
        reverse("subsidies:complaint-detail", kwargs={"complaint_code": complaint.code})
    ).content.decode()
    assert "相关通知已撤回" in page and "已电话联系学校分管校长核实" not in page
    assert str(complaint.code) in client.get(reverse("subsidies:complaint-mine")).content.decode()


def test_a_rejected_report_keeps_what_was_typed(client, demo):
    client.force_login(demo.user("s1_parent"))
    response = client.post(
        reverse("subsidies:complaint-new"),
        {"student": str(demo.child("刘浩然").code), "description": "课后服务时间讲新课"},
    )
    assert response.status_code == 400 and "课后服务时间讲新课" in response.content.decode()
    assert not Complaint.objects.filter(
        guardian__user__username="s1_parent", description="课后服务时间讲新课"
    ).exists()


def test_a_parent_cannot_report_about_another_familys_child(client, demo):
    client.force_login(demo.user("s1_parent"))
    other = demo.child("陈雨桐")
    response = client.post(
        reverse("subsidies:complaint-new"), {"student": str(other.code), "kind": "forced", "description": "x"}
    )
    assert response.status_code == 400
    assert not Complaint.objects.filter(student=other, guardian__user__username="s1_parent").exists()


@pytest.mark.parametrize(
    "username",
    ["s1_parent2", "s2_parent", "s1_admin", "s1_head31", "s1_staff", "zz_bureau", "hn_bureau", "gy_bureau"],
)
def test_nobody_else_opens_or_handles_a_report(client, demo, username):
    complaint = report(Client(), demo)
    client.force_login(demo.user(username))
    code = {"complaint_code": complaint.code}
    assert client.get(reverse("subsidies:complaint-detail", kwargs=code)).status_code == 404
    for name, field in (("note", "note-text"), ("reply", "reply-text"), ("share", "share-summary")):
        assert (
            client.post(reverse(f"subsidies:complaint-{name}", kwargs=code), {field: "x"}).status_code == 404
        )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED and complaint.shared_at is None


def test_higher_bureaus_see_counts_by_kind_without_the_reports(client, demo):
    complaint = report(Client(), demo)
    client.force_login(demo.user("zz_bureau"))
    page = client.get(reverse("subsidies:complaint-list")).content.decode()
    assert 'id="complaint-counts"' in page and "中原区" in page
    assert str(complaint.code) not in page and "200元资料费" not in page
    counts = selectors.complaint_counts_by_kind(
        schools=demo.school("s1").__class__.objects.filter(pk=demo.school("s1").pk)
    )
    assert counts["charging"] >= 2 and set(counts) == set(Complaint.Kind.values)


@pytest.mark.parametrize("username", ["s1_admin", "s1_staff", "zy_bureau"])
def test_only_parents_file_reports(client, demo, username):
    client.force_login(demo.user(username))
    assert client.get(reverse("subsidies:complaint-new")).status_code == 404
    assert client.get(reverse("subsidies:complaint-mine")).status_code == 404


@pytest.mark.parametrize("username", ["s1_parent", "s1_staff"])
def test_the_report_lists_are_for_bureaus_and_school_admins(client, demo, username):
    client.force_login(demo.user(username))
    assert client.get(reverse("subsidies:complaint-list")).status_code == 404


def test_the_report_list_costs_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    bureau = Client()
    bureau.force_login(demo.user("zy_bureau"))
    bureau.get(reverse("home"))

    def count() -> int:
        with django_assert_max_num_queries(20) as queries:
            bureau.get(reverse("subsidies:complaint-list"))
        return len(queries)

    before = count()
    parent = Client()
    for _ in range(10):
        report(parent, demo)
    assert count() == before
