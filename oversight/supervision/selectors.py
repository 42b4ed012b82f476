"""Reads for supervision visits and school documents, scoped through schools.access: bureau officers
see those of the schools whose chain reaches their region, school admins their own school's."""

import datetime
from collections import OrderedDict

from django.db.models import Q, QuerySet

from oversight.models import FindingEvidence, SchoolDocument, SupervisionVisit, VisitFinding
from schools import access
from schools.models import Region, School


def _school_q(user, prefix: str) -> Q | None:
    """Rows of the schools the user oversees (bureau) or runs (admin); None for everything."""
    s = access.scope(user)
    if s.everything:
        return None
    condition = access.paths_q(f"{prefix}school__region__report_path", s.region_paths)
    if s.admin_school_ids:
        condition |= Q(**{f"{prefix}school_id__in": s.admin_school_ids})
    return condition


def visits_for(user) -> QuerySet[SupervisionVisit]:
    condition = _school_q(user, "")
    visits = (
        SupervisionVisit.objects.all() if condition is None else SupervisionVisit.objects.filter(condition)
    )
    return visits.select_related("school", "region", "recorded_by")


def findings_for(user) -> QuerySet[VisitFinding]:
    condition = _school_q(user, "visit__")
    rows = VisitFinding.objects.all() if condition is None else VisitFinding.objects.filter(condition)
    return rows.select_related("visit__school")


def findings_answered_by(user) -> QuerySet[VisitFinding]:
    """Findings the user answers: those of the schools they run."""
    return VisitFinding.objects.filter(visit__school__in=access.managed_schools_for(user)).select_related(
        "visit__school"
    )


def documents_for(user) -> QuerySet[SchoolDocument]:
    condition = _school_q(user, "")
    docs = SchoolDocument.objects.all() if condition is None else SchoolDocument.objects.filter(condition)
    return docs.select_related("school", "uploaded_by")


def evidence_for(user) -> QuerySet[FindingEvidence]:
    """Evidence files of the findings of the schools the user oversees (bureau chain) or runs."""
    condition = _school_q(user, "finding__visit__")
    rows = FindingEvidence.objects.all() if condition is None else FindingEvidence.objects.filter(condition)
    return rows.select_related("finding__visit")


def get_evidence_for_user(user, code) -> FindingEvidence:
    return access.get_or_404(evidence_for(user), code=code)


def get_visit_for_user(user, code) -> SupervisionVisit:
    return access.get_or_404(visits_for(user), code=code)


def get_finding_for_school(user, code) -> VisitFinding:
    return access.get_or_404(findings_answered_by(user), code=code)


def get_document_for_user(user, code) -> SchoolDocument:
    return access.get_or_404(documents_for(user), code=code)


def visit_region_for(user, school: School) -> Region | None:
    """The officer's own region on the school's reporting chain (the nearest), which the visit is
    recorded for; None when the user serves no bureau above the school."""
    path = school.region.report_path
    own = [r for r in access.bureau_regions_of(user) if path.startswith(r.report_path)]
    return max(own, key=lambda r: len(r.report_path)) if own else None


def visit_rows(visits, today: datetime.date) -> list[SupervisionVisit]:
    """Visits with their findings, each visit counting open, overdue and rectified findings."""
    visits = list(visits.prefetch_related("findings__evidence"))
    for visit in visits:
        found = list(visit.findings.all())
        for finding in found:
            finding.overdue = finding.is_overdue(today)
        visit.finding_rows = found
        visit.open_count = sum(1 for f in found if f.status == VisitFinding.Status.OPEN)
        visit.overdue_count = sum(1 for f in found if f.overdue)
        visit.rectified_count = len(found) - visit.open_count
    return visits


def school_visits(*, school: School, term: str, today: datetime.date) -> list[SupervisionVisit]:
    """The school's visits of a term, for its evaluation page."""
    return visit_rows(SupervisionVisit.objects.filter(school=school, term=term), today)


def document_history(documents: QuerySet[SchoolDocument]) -> list[dict]:
    """Documents grouped by school, term and kind: the current version first, then the earlier."""
    groups: OrderedDict = OrderedDict()
    for doc in documents.order_by("school__name", "-term", "kind", "-version"):
        groups.setdefault((doc.school_id, doc.term, doc.kind), []).append(doc)
    return [{"current": versions[0], "earlier": versions[1:]} for versions in groups.values()]
