"""The project's pages with identifiers a user may open: the machinery shared by the URL matrix
tests (tests/security/test_url_matrix.py, test_csrf_and_get.py, test_malformed_input.py) and the
query-growth bench (bench/query_growth.py). A plain module, not a test module, so both may import it."""

from django.urls import URLPattern, URLResolver, get_resolver

from activities import selectors as activity_selectors
from activities.models import Activity, ActivityGroup, OfficialYear, Provider, Session, Term, Venue
from api.models import ApiToken
from enrollment import selectors as enrollment_selectors
from enrollment.models import Application, Placement
from notices.models import Notification
from oversight.evaluation import selectors as evaluation_selectors
from oversight.models import (
    FindingEvidence,
    GeneratedReport,
    GoodPractice,
    SchoolDocument,
    SupervisionVisit,
    TermReport,
    VisitFinding,
)
from oversight.reports import selectors as report_selectors
from oversight.supervision import selectors as supervision_selectors
from privacy import selectors as privacy_selectors
from privacy.models import ConsentRecord
from safety.models import EmergencyPlan, Finding, GateEntry, Handover, Incident, Inspection, Leave
from safety.selectors import attendance as attendance_selectors
from safety.selectors import records as records_selectors
from schools import access
from schools.models import (
    AuthorizedPickup,
    ClassGroup,
    Guardian,
    GuardianLink,
    Membership,
    Region,
    RosterImport,
    School,
    Student,
)
from subsidies import selectors as subsidy_selectors
from subsidies.models import Budget, Claim, Complaint, PurchaseContract
from tests.support import url_matrix

# URL keyword -> (model, lookup field, the persona's visible queryset). A new identifier name must
# be added here (tests/schools/test_url_scope.py fails until it is).
OBJECT_KWARGS = {
    "region_code": (Region, "code", access.regions_for),
    "school_code": (School, "code", access.schools_for),
    "class_code": (ClassGroup, "code", access.classes_for),
    "student_code": (Student, "code", access.students_for),
    "guardian_code": (Guardian, "code", access.guardians_for),
    "pickup_code": (AuthorizedPickup, "code", access.pickups_for),
    "membership_code": (Membership, "code", access.memberships_for),
    # F17: officer and school-admin roles a bureau manages (its region's).
    "region_membership_code": (Membership, "code", access.region_memberships_for),
    "notification_id": (Notification, "pk", lambda user: Notification.objects.filter(recipient=user)),
    "import_code": (RosterImport, "code", access.roster_imports_for),
    # F13: a school's request that an existing account confirm a child: only its holder answers it.
    "link_code": (GuardianLink, "code", lambda user: GuardianLink.objects.filter(user=user)),
    "term_code": (Term, "code", activity_selectors.terms_for),
    "venue_code": (Venue, "code", activity_selectors.venues_for),
    "activity_code": (Activity, "code", activity_selectors.activities_for),
    # F17: held and decided activities, for the bureau of their school.
    "review_code": (Activity, "code", activity_selectors.activities_for_bureau_review),
    "group_code": (ActivityGroup, "code", activity_selectors.groups_for),
    "application_code": (Application, "code", enrollment_selectors.applications_for),
    "placement_code": (Placement, "code", enrollment_selectors.placements_for),
    # F5: sessions a user runs (roll call, handover, release), handovers, leave.
    "session_code": (Session, "code", attendance_selectors.sessions_for),
    "handover_code": (Handover, "code", attendance_selectors.handovers_for),
    "leave_code": (Leave, "code", attendance_selectors.leaves_for),
    # F6: gate register, inspections and findings, emergency plans, incidents.
    "gate_entry_code": (GateEntry, "code", records_selectors.gate_entries_for),
    "inspection_code": (Inspection, "code", records_selectors.inspections_for),
    "finding_code": (Finding, "code", records_selectors.findings_for),
    "plan_code": (EmergencyPlan, "code", records_selectors.plans_for),
    "incident_code": (Incident, "code", records_selectors.incidents_for),
    # F7: claims (readable by the school and the bureaus above it), budgets and contracts (set by the
    # bureau of their own region), complaints (the guardian, the county bureau, the school once shared).
    "claim_code": (Claim, "code", subsidy_selectors.claims_for),
    "budget_code": (Budget, "code", subsidy_selectors.budgets_managed_by),
    "contract_code": (PurchaseContract, "code", subsidy_selectors.contracts_managed_by),
    "complaint_code": (Complaint, "code", subsidy_selectors.complaints_for),
    # F10: a guardian's own consent records.
    "consent_code": (ConsentRecord, "code", privacy_selectors.consents_for),
    # F8: generated reports (the bureaus over the region or school, the school's admins).
    "report_code": (GeneratedReport, "code", report_selectors.generated_reports_for),
    # F8: term reports (the school's admins, the bureaus above it) and good practice (the school,
    # the bureaus above it, and the schools of the region it is featured for).
    "term_report_code": (TermReport, "code", evaluation_selectors.term_reports_for),
    "practice_code": (GoodPractice, "code", evaluation_selectors.practices_for),
    # F17: the register of qualified providers a bureau keeps (its region and those under it).
    "provider_code": (Provider, "code", activity_selectors.providers_for),
    # F17: supervision visits and findings (the bureaus over the school, its admins), documents.
    "visit_code": (SupervisionVisit, "code", supervision_selectors.visits_for),
    "visit_finding_code": (VisitFinding, "code", supervision_selectors.findings_for),
    "document_code": (SchoolDocument, "code", supervision_selectors.documents_for),
    "evidence_code": (FindingEvidence, "code", supervision_selectors.evidence_for),
    # F16: an app's signed-in devices (only their holder's).
    "device_code": (ApiToken, "code", lambda user: ApiToken.objects.filter(user=user)),
    # F11: a year's national holiday schedule (see NOT_OBJECTS).
    "year": (OfficialYear, "year", activity_selectors.official_years_for),
}


def all_patterns():
    """Every named URL of the project outside Django admin, with its identifier kwargs."""

    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                # Django admin; the API, token-authenticated, has its own crawl (tests/support/api_matrix.py).
                if (p.namespace or namespace) in ("admin", *url_matrix.SEPARATE_NAMESPACES):
                    continue
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])) or None)
            elif isinstance(p, URLPattern) and p.name:
                found.append((f"{namespace}:{p.name}" if namespace else p.name, list(p.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    return found


def inside(user, kwarg):
    """An identifier of the first object of this kind the user sees, or None."""
    model, field, visible = OBJECT_KWARGS[kwarg]
    obj = visible(user).order_by("pk").first()
    return None if obj is None else getattr(obj, field)


def matrix_patterns():
    """The URLs the matrix classifies: all but those of namespaces still pending classification."""
    return [
        (name, kwargs)
        for name, kwargs in all_patterns()
        if (name.split(":")[0] not in url_matrix.PENDING_NAMESPACES or name in url_matrix.URLS)
        and name.split(":")[0] not in url_matrix.SEPARATE_NAMESPACES
    ]


def special_values(name, user):
    """In-scope identifiers for pages that need a particular kind of object, or None."""
    if name in ("activities:activity-checklist", "safety:offcampus-activity"):
        activity = activity_selectors.activities_for(user).filter(off_campus=True).order_by("pk").first()
        return activity and {"activity_code": activity.code}
    if name == "safety:plan-document":
        plan = records_selectors.plans_for(user).exclude(document="").order_by("pk").first()
        return plan and {"plan_code": plan.code}
    if name == "safety:release-child":
        for session in attendance_selectors.sessions_for(user).order_by("-date", "pk")[:20]:
            roster = attendance_selectors.roster(session, with_refusals=True)
            if roster.children:
                return {"session_code": session.code, "student_code": roster.children[0].student.code}
        return None
    return False
