"""Oversight (F8). Each area keeps its models in its own module."""

from oversight.models.evaluation import (  # term reports upward, evaluation weights, good practice
    TERM_PATTERN,
    WEIGHT_FIELDS,
    GoodPractice,
    TermReport,
    WeightSet,
    term_label,
)
from oversight.models.reports import GeneratedReport, ReportStorage, reports_storage
from oversight.models.summaries import COMPLAINT_FIELDS, MONEY, DailySchoolSummary
from oversight.models.supervision import (  # F17: supervision visits, the school's documents
    DocumentKind,
    FindingEvidence,
    SchoolDocument,
    SupervisionVisit,
    VisitFinding,
)

__all__ = [
    "COMPLAINT_FIELDS",
    "MONEY",
    "TERM_PATTERN",
    "WEIGHT_FIELDS",
    "DailySchoolSummary",
    "DocumentKind",
    "FindingEvidence",
    "GeneratedReport",
    "GoodPractice",
    "ReportStorage",
    "SchoolDocument",
    "SupervisionVisit",
    "TermReport",
    "VisitFinding",
    "WeightSet",
    "reports_storage",
    "term_label",
]
