"""Every URL that takes an object identifier answers 404 to every persona for objects outside that
persona's scope, and changes nothing. New URLs are picked up automatically; a new identifier name
must be added to OBJECT_KWARGS in tests/support/url_patterns.py (the test fails until it is)."""

import datetime

import pytest
from django.urls import reverse

from activities.models import Provider
from api import services as api_services
from oversight.models import (
    FindingEvidence,
    GeneratedReport,
    GoodPractice,
    SchoolDocument,
    SupervisionVisit,
    TermReport,
    VisitFinding,
)
from safety.models import Incident
from schools.models import (
    Role,
    School,
)
from subsidies.models import Claim
from tests.support import factories
from tests.support.url_patterns import OBJECT_KWARGS
from tests.support.url_scope import PERSONAS, fingerprint, object_patterns, outside

pytestmark = pytest.mark.django_db


def test_every_identifier_in_a_url_is_known():
    patterns = object_patterns()
    assert patterns, "no URL takes an identifier?"
    unknown = {(name, kw) for name, kws in patterns for kw in kws if kw not in OBJECT_KWARGS}
    assert not unknown, f"add to OBJECT_KWARGS (tests/support/url_patterns.py): {sorted(unknown)}"


def test_it_answers_404_for_every_object_outside_each_personas_scope(client, demo):
    from notices import services

    for username in ("admin", "s1_parent", "s1_admin"):
        services.notification_send(recipient=demo.user(username), kind="system/welcome")
    # hn_bureau sees every demo region and school: one in another province is outside every scope.
    from schools import services as org

    hubei = org.region_save(code="42", name="湖北省", level="province")
    jiangan = org.region_save(code="420102", name="江岸区", level="county", parent=hubei)
    org.class_create(
        school=org.school_save(identifier="4201020001", name="江岸区实验小学", region=jiangan),
        grade=1,
        number=1,
    )
    # F6: an incident in another province, outside even hn_bureau's scope.
    Incident.objects.create(
        school=School.objects.get(identifier="4201020001"),
        occurred_at=datetime.datetime(2026, 11, 2, 16, 30, tzinfo=datetime.UTC),
        place="操场",
        kind="other",
        severity="minor",
        description="-",
        actions_taken="-",
        reported_by=demo.user("admin"),
    )
    # F7: a claim in another province, outside even hn_bureau's scope.
    Claim.objects.create(
        school=School.objects.get(identifier="4201020001"),
        kind="month",
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
        prepared_by=demo.user("admin"),
        prepared_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )
    # F8: a report of another province, outside even hn_bureau's scope.
    GeneratedReport.objects.create(
        kind="monthly",
        region=jiangan,
        scope_key="region:420102",
        period_key="2026-10",
        period_first=datetime.date(2026, 10, 1),
        period_last=datetime.date(2026, 10, 31),
        format="xlsx",
        status="done",
        file="2026/11/elsewhere.xlsx",
    )
    # F8: a term report and a good practice of another province, outside even hn_bureau's scope.
    elsewhere = School.objects.get(identifier="4201020001")
    TermReport.objects.create(school=elsewhere, term="2026-autumn", prepared_by=demo.user("admin"))
    GoodPractice.objects.create(
        school=elsewhere, title="-", summary="-", body="-", submitted_by=demo.user("admin")
    )
    # F17: a provider, a supervision visit, a document and a school admin of another province.
    Provider.objects.create(
        region=jiangan,
        name="-",
        licence="鄂-0001",
        qualification="-",
        valid_until=datetime.date(2027, 12, 31),
    )
    visit = SupervisionVisit.objects.create(
        school=elsewhere,
        region=jiangan,
        term="2026-autumn",
        visited_on=datetime.date(2026, 11, 2),
        recorded_by=demo.user("admin"),
    )
    finding = VisitFinding.objects.create(
        visit=visit, number=1, description="-", deadline=datetime.date(2026, 12, 1)
    )
    FindingEvidence.objects.create(
        finding=finding,
        file="finding-evidence/2026/elsewhere.pdf",
        file_name="elsewhere.pdf",
        uploaded_by=demo.user("admin"),
    )
    SchoolDocument.objects.create(
        school=elsewhere,
        term="2026-autumn",
        kind="rules",
        version=1,
        title="-",
        file="school-documents/2026/elsewhere.pdf",
        file_name="elsewhere.pdf",
        uploaded_by=demo.user("admin"),
    )
    org.membership_add(
        user=factories.UserFactory(), role=Role.SCHOOL_ADMIN, school=elsewhere, actor=demo.user("admin")
    )
    # F16: an app signed in to an account no persona is (the demo has no app sign-ins).
    api_services.token_issue(user=demo.user("admin"), name="-")
    before = fingerprint()
    failures = []
    for username in PERSONAS:
        user = demo.user(username)
        client.force_login(user)
        for name, kwargs in object_patterns():
            url = reverse(name, kwargs={kw: outside(user, kw) for kw in kwargs})
            statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
            if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
                failures.append(f"{username} {name} {url} -> {statuses}")
    assert not failures, "\n".join(failures)
    assert fingerprint() == before, "an out-of-scope request changed data"
