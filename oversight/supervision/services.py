"""Writes for supervision visits and school documents: atomic, audited, notifications after commit."""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from notices.services import notification_send
from oversight.evaluation.selectors import current_term
from oversight.models import DocumentKind, FindingEvidence, SchoolDocument, SupervisionVisit, VisitFinding
from schools.models import Region, School, User
from schools.selectors import school_admins
from schools.uploads import document_check


def visit_record(
    *,
    school: School,
    region: Region,
    visited_on: datetime.date,
    summary: str,
    findings: list[str],
    deadline: datetime.date | None,
    actor: User,
) -> SupervisionVisit:
    """Record a bureau's visit and its findings; the school's admins are told. Raises
    ValidationError(code="visit_future", "deadline")."""
    today = timezone.localdate()
    findings = [text.strip() for text in findings if text.strip()]
    if visited_on > today:
        raise ValidationError(_("A visit is recorded once it has taken place."), code="visit_future")
    if findings and (deadline is None or deadline < visited_on):
        raise ValidationError(
            _("Findings need a rectification deadline on or after the day of the visit."), code="deadline"
        )
    with transaction.atomic():
        visit = SupervisionVisit.objects.create(
            school=school,
            region=region,
            term=current_term(visited_on),
            visited_on=visited_on,
            summary=summary.strip(),
            recorded_by=actor,
        )
        VisitFinding.objects.bulk_create(
            [
                VisitFinding(visit=visit, number=n, description=text, deadline=deadline)
                for n, text in enumerate(findings, start=1)
            ]
        )
        audit.record(
            actor=actor,
            verb="supervision_visit.record",
            target=visit,
            changes={"school": str(school.code), "findings": len(findings)},
        )
        link = reverse("oversight:visit-detail", kwargs={"visit_code": visit.code})
        for admin in school_admins(school):
            notification_send(
                recipient=admin,
                kind="oversight/visit_recorded",
                link=link,
                dedupe_key=f"visit-recorded:{visit.code}:{admin.pk}",
                visit=visit,
                findings=len(findings),
            )
    return visit


EVIDENCE_MAX_FILES = 5


def finding_answer(
    *, finding: VisitFinding, note: str, actor: User, evidence: list[UploadedFile] | tuple = ()
) -> VisitFinding:
    """The school admin reports a finding rectified, saying how, with evidence files (photos, PDF,
    Word: schools.uploads, each checked by name, first bytes and size) stored with the answer.
    Raises ValidationError(code="note", "answered", "evidence_count", "document_type",
    "document_size")."""
    if not note.strip():
        raise ValidationError(_("Say how the finding was rectified."), code="note")
    if len(evidence) > EVIDENCE_MAX_FILES:
        raise ValidationError(
            _("Attach at most %(n)s files."), code="evidence_count", params={"n": EVIDENCE_MAX_FILES}
        )
    names = [document_check(upload) for upload in evidence]
    with transaction.atomic():
        updated = VisitFinding.objects.filter(pk=finding.pk, status=VisitFinding.Status.OPEN).update(
            status=VisitFinding.Status.RECTIFIED,
            answer_note=note.strip(),
            answered_by=actor,
            answered_at=timezone.now(),
        )
        if not updated:
            raise ValidationError(_("This finding has already been answered."), code="answered")
        for upload, name in zip(evidence, names, strict=True):
            row = FindingEvidence(finding=finding, file_name=name, uploaded_by=actor)
            row.file.save(name, upload, save=False)
            row.save()
        finding.refresh_from_db()
        audit.record(
            actor=actor,
            verb="supervision_finding.rectified",
            target=finding,
            changes={"evidence": len(names)},
        )
    return finding


def document_upload(
    *, school: School, term: str, kind: str, title: str, document: UploadedFile, actor: User
) -> SchoolDocument:
    """A new version of the school's document of that kind and term; earlier versions stay.
    Raises ValidationError(code="kind", "document_type", "document_size")."""
    if kind not in DocumentKind.values:
        raise ValidationError(_("Choose one of the listed kinds of document."), code="kind")
    file_name = document_check(document)
    with transaction.atomic():
        # Lock the school's row so that two uploads at once get two versions, never the same one.
        School.objects.select_for_update().filter(pk=school.pk).first()
        latest = SchoolDocument.objects.filter(school=school, term=term, kind=kind).aggregate(
            v=Max("version")
        )
        doc = SchoolDocument(
            school=school,
            term=term,
            kind=kind,
            version=(latest["v"] or 0) + 1,
            title=title.strip() or DocumentKind(kind).label,
            file_name=file_name,
            uploaded_by=actor,
        )
        doc.file.save(file_name, document, save=False)
        doc.save()
        audit.record(
            actor=actor,
            verb="school_document.upload",
            target=doc,
            changes={"kind": kind, "term": term, "version": doc.version},
        )
    return doc
