"""F12: everything addressed to "the bureau" reaches a person. A school's bureau is the nearest
region on its reporting chain with an active officer (county, else city, else province, following
reports_to for a 省直管县); its severe incidents, complaints, claims, off-campus coordination and term
reports go there and its officers decide them. Nothing is stamped as sent when nobody received it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notices.models import Notification
from oversight.evaluation import selectors as evaluation_selectors
from safety.models import Incident, IncidentRecipient
from safety.services import incidents as incident_services
from schools import access
from schools.models import Guardian, Region
from schools.selectors import bureau_for_school
from subsidies import selectors as subsidy_selectors
from subsidies import services as subsidy_services
from subsidies.models import Budget, Claim, Complaint
from tests.support.claims import claim_row

pytestmark = pytest.mark.django_db


def _move(school, region):
    school.region = region
    school.save(update_fields=["region"])


@pytest.fixture
def erqi(demo):
    """A county of 郑州市 with no officer account, and s1 moved into it."""
    zhengzhou = Region.objects.get(code="4101")
    county = Region.objects.create(
        code="410103", name="二七区", level="county", parent=zhengzhou, reports_to=zhengzhou
    )
    s1 = demo.school("s1")
    _move(s1, county)
    return county


@pytest.fixture
def nowhere(demo):
    """A province, city and county with no officer anywhere, and s1 moved into the county."""
    province = Region.objects.create(code="42", name="湖北省", level="province")
    city = Region.objects.create(
        code="4201", name="武汉市", level="city", parent=province, reports_to=province
    )
    county = Region.objects.create(code="420102", name="江岸区", level="county", parent=city, reports_to=city)
    _move(demo.school("s1"), county)
    return county


def _severe(school, actor):
    return incident_services.incident_report(
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        place="运动场",
        kind="injury",
        severity="severe",
        description="从单杠上摔下，疑似骨折。",
        actions_taken="校医固定伤处，拨打120送医。",
        children=[],
        actor=actor,
    )


def _notified(kind, code) -> set[str]:
    return set(
        Notification.objects.filter(kind=kind, link__contains=str(code)).values_list(
            "recipient__username", flat=True
        )
    )


def _s1_child(demo):
    guardian = Guardian.objects.get(user__username="s1_parent")
    return guardian, guardian.students.order_by("pk").first()


def test_a_county_without_an_officer_sends_incident_complaint_and_claim_to_the_city_officer(
    client, demo, erqi
):
    s1, zz = demo.school("s1"), demo.user("zz_bureau")
    bureau = bureau_for_school(s1)
    assert bureau.region.code == "4101" and list(bureau.officers) == [zz]

    # The severe incident reaches 郑州市's officer, and the incident records who received it.
    incident = _severe(s1, demo.user("s1_staff"))
    assert incident.bureau_notified_at is not None
    assert _notified("safety/incident_bureau", incident.code) == {"zz_bureau"}
    recipients = list(IncidentRecipient.objects.filter(incident=incident))
    assert [(r.officer.username, r.region.code) for r in recipients] == [("zz_bureau", "4101")]
    client.force_login(demo.user("s1_admin"))
    page = client.get(reverse("safety:incident-detail", kwargs={"incident_code": incident.code}))
    assert 'id="bureau-recipients"' in page.content.decode() and "郑州市" in page.content.decode()

    # The guardian's complaint reaches 郑州市, whose officer opens and answers it.
    guardian, child = _s1_child(demo)
    complaint = subsidy_services.complaint_submit(
        guardian=guardian, student=child, kind=Complaint.Kind.CHARGING, description="要求交器材费。"
    )
    assert _notified("subsidies/complaint_received", complaint.code) == {"zz_bureau"}
    client.force_login(zz)
    detail = reverse("subsidies:complaint-detail", kwargs={"complaint_code": complaint.code})
    assert client.get(detail).status_code == 200
    client.post(
        reverse("subsidies:complaint-reply", kwargs={"complaint_code": complaint.code}),
        {"reply-text": "已核实。"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED

    # The claim reaches 郑州市, whose officer decides it (against the county's budget).
    claim = claim_row(
        s1,
        month=datetime.date(2026, 6, 1),
        total="100.00",
        status=Claim.Status.DRAFT,
        prepared_by=demo.user("s1_admin"),
    )
    subsidy_services.claim_submit(claim=claim, actor=demo.user("s1_admin"))
    assert _notified("subsidies/claim_submitted", claim.code) == {"zz_bureau"}
    Budget.objects.create(region=erqi, fiscal_year=claim.fiscal_year, total=Decimal("1000.00"), created_by=zz)
    client.post(reverse("subsidies:claim-approve", kwargs={"claim_code": claim.code}))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.decided_by == zz


def test_the_nearest_officer_acts_and_nobody_elses_scope_widens(demo, erqi):
    s1 = demo.school("s1")
    claim = claim_row(s1, month=datetime.date(2026, 6, 1), total="100.00", prepared_by=demo.user("s1_admin"))
    # The province reads it but does not decide it: the city is nearer. 中原区 no longer sees s1.
    assert not subsidy_selectors.claims_decided_by(demo.user("hn_bureau")).filter(pk=claim.pk).exists()
    assert not subsidy_selectors.claims_for(demo.user("zy_bureau")).filter(pk=claim.pk).exists()
    assert not subsidy_selectors.claims_decided_by(demo.user("gy_bureau")).filter(pk=claim.pk).exists()
    # A county with its own officer still decides its own schools: the city does not.
    s4 = demo.school("s4")  # 中原区, which has zy_bureau
    other = claim_row(s4, month=datetime.date(2026, 6, 1), total="100.00", prepared_by=demo.user("s1_admin"))
    assert not subsidy_selectors.claims_decided_by(demo.user("zz_bureau")).filter(pk=other.pk).exists()
    assert subsidy_selectors.claims_decided_by(demo.user("zy_bureau")).filter(pk=other.pk).exists()
    assert access.bureau_region_ids(demo.user("zy_bureau")) == [Region.objects.get(code="410102").pk]


def test_the_demo_s2_in_jinshui_reaches_zhengzhou_and_its_claim_can_be_decided(demo):
    s2, zz = demo.school("s2"), demo.user("zz_bureau")
    assert bureau_for_school(s2).region.code == "4101"
    submitted = Claim.objects.get(school=s2, status=Claim.Status.SUBMITTED)
    assert subsidy_selectors.claims_decided_by(zz).filter(pk=submitted.pk).exists()
    subsidy_services.claim_approve(claim=submitted, officer=zz)
    assert Complaint.objects.filter(school=s2).exists()
    assert subsidy_selectors.complaints_handled_by(zz).filter(school=s2).exists()


def test_a_zhixiaxian_without_an_officer_goes_to_the_province_never_its_city(demo):
    s3, gy = demo.school("s3"), demo.user("gy_bureau")
    gy.is_active = False
    gy.save(update_fields=["is_active"])
    bureau = bureau_for_school(s3)
    assert bureau.region.code == "41" and [u.username for u in bureau.officers] == ["hn_bureau"]
    assert evaluation_selectors.reviewing_region_for(s3).code == "41"


def test_nobody_on_the_chain_nothing_is_stamped_and_the_school_admin_is_told(client, demo, nowhere):
    s1, admin = demo.school("s1"), demo.user("s1_admin")
    assert bureau_for_school(s1) is None

    incident = _severe(s1, demo.user("s1_staff"))
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.bureau_notified_at is None
    assert not IncidentRecipient.objects.filter(incident=incident).exists()
    assert _notified("safety/incident_bureau", incident.code) == set()
    assert "s1_admin" in _notified("safety/incident_no_bureau", incident.code)
    client.force_login(admin)
    page = client.get(reverse("safety:incident-detail", kwargs={"incident_code": incident.code}))
    assert 'id="no-bureau"' in page.content.decode()
    with pytest.raises(ValidationError) as exc:
        incident_services.incident_notify_bureau(incident=incident, actor=admin)
    assert exc.value.code == "no_bureau"

    claim = claim_row(
        s1, month=datetime.date(2026, 6, 1), total="100.00", status=Claim.Status.DRAFT, prepared_by=admin
    )
    response = client.post(reverse("subsidies:claim-submit", kwargs={"claim_code": claim.code}), follow=True)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT and claim.submitted_at is None
    assert "has an officer" in response.content.decode() or "没有" in response.content.decode()

    guardian, child = _s1_child(demo)
    with pytest.raises(ValidationError) as exc:
        subsidy_services.complaint_submit(
            guardian=guardian, student=child, kind=Complaint.Kind.CHARGING, description="要求交器材费。"
        )
    assert exc.value.code == "no_bureau"
    assert not Complaint.objects.filter(school=s1, description="要求交器材费。").exists()


def test_the_demo_severe_incident_at_s2_names_zhengzhous_officer(demo):
    incident = Incident.objects.get(school=demo.school("s2"), severity="severe")
    assert incident.bureau_notified_at is not None
    assert list(incident.bureau_recipients.values_list("officer__username", "region__code")) == [
        ("zz_bureau", "4101")
    ]
