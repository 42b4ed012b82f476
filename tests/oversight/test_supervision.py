"""F17: supervision visits (the bureau records, the school answers, the evaluation shows them; another
region's or school's visit is 404) and the school's versioned documents (type and size checked)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from notices.models import Notification
from oversight.models import SchoolDocument, SupervisionVisit, VisitFinding
from oversight.supervision import home, services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _visit(demo, school_key="s1", officer="zy_bureau", deadline_days=7):
    school = demo.school(school_key)
    today = timezone.localdate()
    return services.visit_record(
        school=school,
        region=school.region,
        visited_on=today - datetime.timedelta(days=2),
        summary="",
        findings=["走廊照明不足。"],
        deadline=today + datetime.timedelta(days=deadline_days),
        actor=demo.user(officer),
    )


def test_visit_answer_and_evaluation(client, demo):
    s1 = demo.school("s1")
    client.force_login(demo.user("zy_bureau"))
    today = timezone.localdate()
    response = client.post(
        reverse("oversight:visit-create"),
        {
            "school": s1.code,
            "visited_on": (today - datetime.timedelta(days=1)).isoformat(),
            "summary": "例行督导",
            "findings": "午托室窗户未安装护栏。\n\n消毒记录不全。",
            "deadline": (today + datetime.timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    visit = SupervisionVisit.objects.get(summary="例行督导")
    assert visit.region.code == "410102"
    assert [f.description for f in visit.findings.all()] == ["午托室窗户未安装护栏。", "消毒记录不全。"]
    assert AuditEvent.objects.filter(verb="supervision_visit.record", target_id=str(visit.code)).exists()
    assert Notification.objects.filter(
        recipient=demo.user("s1_admin"), kind="oversight/visit_recorded"
    ).exists()

    # The school admin answers the first finding.
    first = visit.findings.get(number=1)
    client.force_login(demo.user("s1_admin"))
    detail = reverse("oversight:visit-detail", kwargs={"visit_code": visit.code})
    assert "f1-note" in client.get(detail).content.decode()
    answer = reverse("oversight:finding-answer", kwargs={"visit_finding_code": first.code})
    assert client.post(answer, {"f1-note": "已安装护栏。"}).status_code == 302
    first.refresh_from_db()
    assert first.status == VisitFinding.Status.RECTIFIED and first.answer_note == "已安装护栏。"
    # Answering twice changes nothing.
    client.post(answer, {"f1-note": "再次回复"})
    first.refresh_from_db()
    assert first.answer_note == "已安装护栏。"

    # The bureau sees the state in the school's evaluation.
    client.force_login(demo.user("zy_bureau"))
    page = client.get(reverse("oversight:school-score", kwargs={"school_code": s1.code})).content.decode()
    assert detail in page
    assert "1 to rectify, 1 rectified" in page or "1 项待整改，1 项已整改" in page


def test_overdue_findings_are_flagged(client, demo):
    visit = _visit(demo, deadline_days=-1)
    client.force_login(demo.user("s1_admin"))
    page = client.get(reverse("oversight:visit-detail", kwargs={"visit_code": visit.code})).content.decode()
    assert "finding-overdue" in page
    listing = client.get(reverse("oversight:visit-list")).content.decode()
    assert "visit-overdue" in listing
    on_time = _visit(demo, deadline_days=3)
    page = client.get(reverse("oversight:visit-detail", kwargs={"visit_code": on_time.code})).content.decode()
    assert "finding-overdue" not in page


def test_another_region_or_school_sees_nothing(client, demo):
    visit = _visit(demo)  # s1, 中原区
    finding = visit.findings.get()
    detail = reverse("oversight:visit-detail", kwargs={"visit_code": visit.code})
    for username in ("gy_bureau", "s2_admin"):
        client.force_login(demo.user(username))
        assert client.get(detail).status_code == 404
        assert str(visit.code) not in client.get(reverse("oversight:visit-list")).content.decode()
    # Another school's admin cannot answer; the bureau does not answer for the school.
    for username in ("s2_admin", "zy_bureau"):
        client.force_login(demo.user(username))
        url = reverse("oversight:finding-answer", kwargs={"visit_finding_code": finding.code})
        assert client.post(url, {"f1-note": "x"}).status_code == 404
    finding.refresh_from_db()
    assert finding.status == VisitFinding.Status.OPEN
    # A county officer cannot record a visit to another county's school.
    client.force_login(demo.user("zy_bureau"))
    response = client.post(
        reverse("oversight:visit-create"),
        {"school": demo.school("s3").code, "visited_on": timezone.localdate().isoformat(), "findings": ""},
    )
    assert response.status_code == 200
    assert not SupervisionVisit.objects.filter(school=demo.school("s3")).exists()


def test_document_versions(client, demo):
    s1 = demo.school("s1")
    client.force_login(demo.user("s1_admin"))
    url = reverse("oversight:document-upload")
    for n in (1, 2):
        response = client.post(
            url,
            {
                "school": s1.code,
                "term": "2026-autumn",
                "kind": "pupil_education",
                "title": "学生安全教育记录",
                "document": SimpleUploadedFile(f"v{n}.pdf", PDF + str(n).encode()),
            },
        )
        assert response.status_code == 302
    versions = SchoolDocument.objects.filter(school=s1, kind="pupil_education", term="2026-autumn")
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]
    old, new = versions.order_by("version")
    # The bureau over s1 reads both versions; the history stays.
    client.force_login(demo.user("zy_bureau"))
    page = client.get(reverse("oversight:document-list")).content.decode()
    assert reverse("oversight:document-download", kwargs={"document_code": new.code}) in page
    assert reverse("oversight:document-download", kwargs={"document_code": old.code}) in page
    download = client.get(reverse("oversight:document-download", kwargs={"document_code": old.code}))
    assert download.status_code == 200 and b"".join(download.streaming_content).endswith(b"1")
    # Another county's bureau, another school: 404.
    for username in ("gy_bureau", "s2_admin"):
        client.force_login(demo.user(username))
        assert (
            client.get(reverse("oversight:document-download", kwargs={"document_code": new.code})).status_code
            == 404
        )


@pytest.mark.parametrize(
    "name,content",
    [("rules.exe", b"MZ\x90\x00"), ("rules.pdf", b"<html><script>"), ("rules.docx", b"%PDF-1.4")],
)
def test_uploads_are_checked_by_name_and_content(demo, name, content):
    with pytest.raises(Exception) as refused:
        services.document_upload(
            school=demo.school("s1"),
            term="2026-autumn",
            kind="rules",
            title="",
            document=SimpleUploadedFile(name, content),
            actor=demo.user("s1_admin"),
        )
    assert getattr(refused.value, "code", None) == "document_type"


def test_uploads_are_limited_in_size(demo, settings):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024))
    with pytest.raises(Exception) as refused:
        services.document_upload(
            school=demo.school("s1"),
            term="2026-autumn",
            kind="rules",
            title="",
            document=big,
            actor=demo.user("s1_admin"),
        )
    assert getattr(refused.value, "code", None) == "document_size"


def test_demo_has_a_visit_and_versioned_rules(demo):
    s1 = demo.school("s1")
    visit = SupervisionVisit.objects.get(school=s1, region__code="410102")
    assert set(visit.findings.values_list("status", flat=True)) == {"open", "rectified"}
    rules = SchoolDocument.objects.filter(school=s1, kind="rules")
    assert sorted(rules.values_list("version", flat=True)) == [1, 2]


def test_the_today_homes_count_open_and_overdue_findings(client, demo):
    today = timezone.localdate()

    def line(items):
        return {item.key: item for item in items}

    before_bureau = line(home.bureau_today(user=demo.user("zy_bureau"), today=today))["supervision-overdue"]
    before_admin = line(home.school_admin_today(user=demo.user("s1_admin"), today=today))
    open_before = before_admin["supervision-open"].count if before_admin else 0
    _visit(demo, deadline_days=-1)
    _visit(demo, deadline_days=3)
    bureau = line(home.bureau_today(user=demo.user("zy_bureau"), today=today))["supervision-overdue"]
    assert bureau.count == before_bureau.count + 1 and bureau.urgent
    assert bureau.url == reverse("oversight:visit-list")
    admin = line(home.school_admin_today(user=demo.user("s1_admin"), today=today))["supervision-open"]
    assert admin.count == open_before + 2
    # Another county's officer sees none of s1's findings.
    other = line(home.bureau_today(user=demo.user("gy_bureau"), today=today))["supervision-overdue"]
    assert other.count == 0
    client.force_login(demo.user("zy_bureau"))
    assert "supervision-overdue" in client.get(reverse("home")).content.decode()
