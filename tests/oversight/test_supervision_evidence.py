"""F17: the school's answer to a supervision finding carries evidence files (photos, PDF, Word),
checked like every uploaded document (name and first bytes, size), stored with the answer, shown on
the finding, and downloadable by the school and the bureaus over it only (404 for anyone else)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from oversight.models import FindingEvidence, VisitFinding
from oversight.supervision import services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def finding(demo):
    today = timezone.localdate()
    visit = services.visit_record(
        school=demo.school("s1"),
        region=demo.school("s1").region,
        visited_on=today - datetime.timedelta(days=2),
        summary="",
        findings=["走廊照明不足。"],
        deadline=today + datetime.timedelta(days=7),
        actor=demo.user("zy_bureau"),
    )
    return visit.findings.get()


def _answer_url(finding):
    return reverse("oversight:finding-answer", kwargs={"visit_finding_code": finding.code})


def _detail_url(finding):
    return reverse("oversight:visit-detail", kwargs={"visit_code": finding.visit.code})


def test_the_answer_carries_evidence_the_officer_sees_and_downloads(client, demo, finding):
    client.force_login(demo.user("s1_admin"))
    response = client.post(
        _answer_url(finding),
        {
            "f1-note": "已加装照明灯。",
            "f1-evidence": [
                SimpleUploadedFile("走廊照片.jpg", JPG, content_type="image/jpeg"),
                SimpleUploadedFile("验收单.pdf", PDF, content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == VisitFinding.Status.RECTIFIED
    evidence = list(FindingEvidence.objects.filter(finding=finding))
    assert [e.file_name for e in evidence] == ["走廊照片.jpg", "验收单.pdf"]

    for username in ("zy_bureau", "zz_bureau", "hn_bureau", "s1_admin"):
        client.force_login(demo.user(username))
        page = client.get(_detail_url(finding)).content.decode()
        url = reverse("oversight:evidence-download", kwargs={"evidence_code": evidence[1].code})
        assert url in page and "验收单.pdf" in page
        response = client.get(url)
        assert response.status_code == 200, username
        assert b"".join(response.streaming_content) == PDF
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("username", ["gy_bureau", "s2_admin", "s1_staff", "s1_parent"])
def test_another_region_school_or_role_gets_404(client, demo, finding, username):
    services.finding_answer(
        finding=finding,
        note="已加装照明灯。",
        evidence=[SimpleUploadedFile("验收单.pdf", PDF)],
        actor=demo.user("s1_admin"),
    )
    evidence = FindingEvidence.objects.get(finding=finding)
    client.force_login(demo.user(username))
    response = client.get(reverse("oversight:evidence-download", kwargs={"evidence_code": evidence.code}))
    # Staff and parents are refused by role (403), other bureaus and schools see nothing (404).
    expected = {403, 404} if username in ("s1_staff", "s1_parent") else {404}
    assert response.status_code in expected


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("照片.jpg", b"MZ\x90\x00 not a photo", "document_type"),
        ("说明.html", b"<html></html>", "document_type"),
        ("照片.png", PDF, "document_type"),
    ],
)
def test_evidence_is_checked_by_name_and_content_and_nothing_is_answered(demo, finding, name, content, code):
    with pytest.raises(ValidationError) as exc:
        services.finding_answer(
            finding=finding,
            note="已整改",
            evidence=[SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile(name, content)],
            actor=demo.user("s1_admin"),
        )
    assert exc.value.code == code
    finding.refresh_from_db()
    assert finding.status == VisitFinding.Status.OPEN
    assert not FindingEvidence.objects.filter(finding=finding).exists()


def test_evidence_is_limited_in_size_and_number(demo, finding, settings):
    big = SimpleUploadedFile("大照片.jpg", JPG + b"\x00" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.finding_answer(finding=finding, note="已整改", evidence=[big], actor=demo.user("s1_admin"))
    assert exc.value.code == "document_size"
    many = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(services.EVIDENCE_MAX_FILES + 1)]
    with pytest.raises(ValidationError) as exc:
        services.finding_answer(finding=finding, note="已整改", evidence=many, actor=demo.user("s1_admin"))
    assert exc.value.code == "evidence_count"
    assert not FindingEvidence.objects.filter(finding=finding).exists()
