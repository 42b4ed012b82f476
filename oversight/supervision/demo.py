"""Demo supervision (F17): 中原区's visit to s1 ten days ago with one finding rectified (with its
evidence, a PDF) and one still open past its deadline; s1's after-school service rules for the
current term in two versions, and its record of safety training for teachers. Idempotent."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from oversight.evaluation.selectors import current_term
from oversight.models import DocumentKind, SchoolDocument, SupervisionVisit
from oversight.supervision import services
from schools.models import Region, School, User

RULES_TITLE = "中原区实验小学课后服务工作制度"


def _pdf(text: str) -> bytes:
    """A small valid PDF with one line of (ASCII) text: enough for the demo's downloads."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%" + text.encode() + b"\n%%EOF\n"
    )


def build(*, out=None) -> None:
    today = timezone.localdate()
    s1 = School.objects.get(identifier="4101020001")
    officer, admin = User.objects.get(username="zy_bureau"), User.objects.get(username="s1_admin")
    zhongyuan = Region.objects.get(code="410102")
    if not SupervisionVisit.objects.filter(school=s1, region=zhongyuan).exists():
        if out:
            out.write(f"  {s1.name}: supervision visit\n")
        visit = services.visit_record(
            school=s1,
            region=zhongyuan,
            visited_on=today - datetime.timedelta(days=10),
            summary="检查课后服务开展情况：活动安排合理，学生签到、放学交接记录完整。",
            findings=["二号楼消防通道堆放杂物。", "安全教育记录未按班级归档。"],
            deadline=today - datetime.timedelta(days=3),
            actor=officer,
        )
        services.finding_answer(
            finding=visit.findings.get(number=1),
            note="已清理消防通道，并安排专人每日巡查。",
            evidence=[SimpleUploadedFile("消防通道整改验收单.pdf", _pdf("fire lane cleared"))],
            actor=admin,
        )
    term = current_term(today)
    documents = [
        (DocumentKind.RULES, RULES_TITLE, "rules-v1.pdf", "rules version 1"),
        (DocumentKind.RULES, RULES_TITLE, "rules-v2.pdf", "rules version 2"),
        (DocumentKind.STAFF_TRAINING, "教师安全培训记录", "training.pdf", "staff safety training"),
    ]
    if SchoolDocument.objects.filter(school=s1, term=term).exists():
        return
    for kind, title, name, text in documents:
        services.document_upload(
            school=s1,
            term=term,
            kind=kind,
            title=title,
            document=SimpleUploadedFile(name, _pdf(text), content_type="application/pdf"),
            actor=admin,
        )
