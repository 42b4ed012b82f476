"""Incident reports: any staff member reports; a severe incident notifies the county bureau at once;
bureaus up the reporting chain see it (without children's names), other regions never do; later
facts are follow-ups, never edits."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from notices.models import Notification
from safety.models import Incident, IncidentChild, IncidentFollowUp
from safety.selectors import records as selectors
from safety.services import incidents as services
from schools.models import Region, School
from tests.support.records import MONDAY, at, html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def monday_evening():
    with time_machine.travel(at(MONDAY, 18, 0), tick=False):
        yield


def report(school, actor, *, severity="severe", children=(), **extra):
    return services.incident_report(
        school=school,
        occurred_at=at(MONDAY, 16, 45),
        place="运动场",
        kind="injury",
        severity=severity,
        description="从单杠上摔下，疑似骨折。",
        actions_taken="校医固定伤处，拨打120送医。",
        children=list(children),
        actor=actor,
        **extra,
    )


def test_a_severe_incident_at_s1_appears_to_zy_zz_and_hn_bureau_never_to_gy_bureau(client, demo, s1):
    child = demo.child("刘子涵")
    incident = report(s1, demo.user("s1_staff"), children=[child])
    assert incident.bureau_notified_at is not None

    detail = reverse("safety:incident-detail", kwargs={"incident_code": incident.code})
    for username in ("zy_bureau", "zz_bureau", "hn_bureau"):
        user = demo.user(username)
        assert selectors.incidents_for(user).filter(pk=incident.pk).exists(), username
        client.force_login(user)
        listing = html(client.get(reverse("safety:incidents")))
        assert detail in listing, username
        page = html(client.get(detail))
        assert "从单杠上摔下" in page
        assert "刘子涵" not in page  # bureaus see how many children, not who (PIPL)
        assert 'id="children">1<' in page.replace("\n", "")

    gy = demo.user("gy_bureau")
    assert not selectors.incidents_for(gy).filter(pk=incident.pk).exists()
    client.force_login(gy)
    assert detail not in html(client.get(reverse("safety:incidents")))
    assert client.get(detail).status_code == 404


def test_the_county_bureau_is_notified_at_once_and_only_the_county(demo, s1):
    incident = report(s1, demo.user("s1_staff"))
    notified = set(
        Notification.objects.filter(
            kind="safety/incident_bureau", link__contains=str(incident.code)
        ).values_list("recipient__username", flat=True)
    )
    assert notified == {"zy_bureau"}  # 中原区 is s1's county; the city and province read it in the portal
    # The school's admins hear of a report made by someone else.
    assert Notification.objects.filter(
        recipient=demo.user("s1_admin"), kind="safety/incident_reported", link__contains=str(incident.code)
    ).exists()


def test_a_minor_incident_is_not_sent_to_the_bureau_until_the_admin_reports_it(demo, s1):
    admin = demo.user("s1_admin")
    incident = report(s1, admin, severity="minor")
    assert incident.bureau_notified_at is None
    assert not Notification.objects.filter(
        kind="safety/incident_bureau", link__contains=str(incident.code)
    ).exists()
    services.incident_notify_bureau(incident=incident, text="家长要求", actor=admin)
    assert Notification.objects.filter(
        recipient=demo.user("zy_bureau"), kind="safety/incident_bureau", link__contains=str(incident.code)
    ).exists()
    with pytest.raises(ValidationError) as exc:
        services.incident_notify_bureau(incident=incident, actor=admin)
    assert exc.value.code == "already_notified"
    assert incident.follow_ups.filter(kind="bureau").count() == 1


def test_it_refuses_children_of_another_school_and_impossible_times(demo, s1):
    admin = demo.user("s1_admin")
    with pytest.raises(ValidationError) as exc:
        report(s1, admin, children=[demo.child("杨一诺")])  # s2's child
    assert exc.value.code == "child"
    with pytest.raises(ValidationError) as exc:
        report(s1, admin, guardians_notified_at=at(MONDAY, 16, 0))  # before the incident
    assert exc.value.code == "guardians_time"
    with pytest.raises(ValidationError) as exc:
        services.incident_report(
            school=s1,
            occurred_at=at(MONDAY + datetime.timedelta(days=1)),
            place="x",
            kind="injury",
            severity="minor",
            description="x",
            actions_taken="x",
            children=[],
            actor=admin,
        )
    assert exc.value.code == "future"
    assert not Incident.objects.filter(occurred_at__date__gte=MONDAY).exists()


def test_follow_ups_add_to_the_report_and_record_when_guardians_were_told(demo, s1):
    admin = demo.user("s1_admin")
    incident = report(s1, admin, severity="moderate")
    services.incident_follow_up(incident=incident, kind="guardians", at=at(MONDAY, 17, 0), actor=admin)
    services.incident_follow_up(
        incident=incident, kind="note", at=at(MONDAY, 17, 30), text="更正：左臂", actor=admin
    )
    with pytest.raises(ValidationError):
        services.incident_follow_up(
            incident=incident, kind="note", at=at(MONDAY, 17, 30), text="", actor=admin
        )
    with pytest.raises(ValidationError) as exc:
        services.incident_follow_up(incident=incident, kind="guardians", at=at(MONDAY, 12, 0), actor=admin)
    assert exc.value.code == "time"
    assert [f.kind for f in selectors.incident_follow_ups(incident)] == ["guardians", "note"]


# --- pages ------------------------------------------------------------------------------------


def form_data(**extra):
    return {
        "occurred_at": "2026-11-30T16:45",
        "place": "体育馆",
        "venue": "",
        "kind": "injury",
        "severity": "minor",
        "children": [],
        "description": "手指扭伤",
        "actions_taken": "冰敷",
        "guardians_notified_at": "",
        **extra,
    }


def test_a_service_teacher_reports_and_sees_only_their_own_reports(client, demo, s1):
    client.force_login(demo.user("s1_staff"))
    page = html(client.get(reverse("safety:incident-create")))
    assert "刘子涵" in page  # the school's children to choose from
    child = demo.child("刘子涵")
    response = client.post(reverse("safety:incident-create"), form_data(children=[child.pk]))
    assert response.status_code == 302
    incident = Incident.objects.get(description="手指扭伤")
    assert list(incident.children_involved.values_list("student", flat=True)) == [child.pk]
    page = html(client.get(response["Location"]))
    assert "刘子涵" in page and 'id="followup-form"' not in page  # the reporter reads, the admin adds
    listing = html(client.get(reverse("safety:incidents")))
    assert "2026-11-30 16:45" in listing and "2026-10-15" not in listing  # not the demo's admin report
    assert (
        client.post(
            reverse("safety:incident-follow-up", kwargs={"incident_code": incident.code}), {}
        ).status_code
        == 404
    )


def test_a_rejected_report_keeps_what_was_typed(admin_client):
    response = admin_client.post(reverse("safety:incident-create"), form_data(occurred_at="2026-12-05T10:00"))
    page = html(response)
    assert response.status_code == 200 and "手指扭伤" in page and 'value="2026-12-05T10:00"' in page
    assert not Incident.objects.filter(description="手指扭伤").exists()


def test_the_admin_adds_a_follow_up_and_reports_to_the_bureau(admin_client, demo, s1):
    incident = report(s1, demo.user("s1_staff"), severity="moderate")
    kwargs = {"incident_code": incident.code}
    response = admin_client.post(
        reverse("safety:incident-follow-up", kwargs=kwargs),
        {"followup-kind": "guardians", "followup-at": "2026-11-30T17:05", "followup-text": "电话告知母亲"},
    )
    assert response.status_code == 302
    assert IncidentFollowUp.objects.get(incident=incident, kind="guardians").text == "电话告知母亲"
    response = admin_client.post(reverse("safety:incident-notify-bureau", kwargs=kwargs), {"bureau-text": ""})
    assert response.status_code == 302
    page = html(admin_client.get(reverse("safety:incident-detail", kwargs=kwargs)))
    assert 'id="bureau-form"' not in page  # once is enough


def test_incident_lists_cost_the_same_queries_at_n_and_10n(client, demo, s1, django_assert_max_num_queries):
    staff = demo.user("s1_staff")
    client.force_login(demo.user("zz_bureau"))
    url = reverse("safety:incidents")
    for _ in range(3):
        report(s1, staff, severity="minor", children=[demo.child("刘子涵")])
    client.get(url)
    with django_assert_max_num_queries(15) as small:
        client.get(url)
    for _ in range(27):
        report(s1, staff, severity="minor", children=[demo.child("刘子涵")])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert html(client.get(url)).count("手指") == 0


def test_incident_pages_answer_404_outside_scope(client, demo, s1):
    incident = report(s1, demo.user("s1_admin"), severity="moderate")
    kwargs = {"incident_code": incident.code}
    for username in ("s2_admin", "gy_bureau", "s1_parent", "s1_guard", "s1_head31"):
        client.force_login(demo.user(username))
        assert client.get(reverse("safety:incident-detail", kwargs=kwargs)).status_code == 404, username
        for name in ("incident-follow-up", "incident-notify-bureau", "incident-close"):
            assert client.post(reverse(f"safety:{name}", kwargs=kwargs), {}).status_code == 404, username
    client.force_login(demo.user("zy_bureau"))  # reads, never writes
    assert client.get(reverse("safety:incident-create")).status_code == 404
    assert client.post(reverse("safety:incident-notify-bureau", kwargs=kwargs), {}).status_code == 404
    assert client.post(reverse("safety:incident-close", kwargs=kwargs), {}).status_code == 404
    client.force_login(demo.user("s1_parent"))
    assert client.get(reverse("safety:incidents")).status_code == 404
    assert not incident.follow_ups.exists()
    assert IncidentChild.objects.filter(incident=incident).count() == 0


# --- closing (结案) ----------------------------------------------------------------------------------


def test_an_incident_closes_once_after_guardians_and_bureau_were_told(demo, s1):
    admin = demo.user("s1_admin")
    incident = report(s1, admin, severity="moderate", children=[demo.child("刘子涵")])
    close = dict(incident=incident, outcome="骨折愈合，已复课；单杠区加铺软垫。", actor=admin)
    with pytest.raises(ValidationError) as exc:
        services.incident_close(at=at(MONDAY, 17, 30), **close)
    assert exc.value.code == "guardians_first"  # a child is named: their guardians are told first
    services.incident_follow_up(incident=incident, kind="guardians", at=at(MONDAY, 17, 0), actor=admin)
    with pytest.raises(ValidationError) as exc:
        services.incident_close(at=at(MONDAY, 16, 0), **close)  # before it happened
    assert exc.value.code == "time"
    with pytest.raises(ValidationError) as exc:
        services.incident_close(at=at(MONDAY, 17, 30), **{**close, "outcome": "  "})
    assert exc.value.code == "text"
    closing = services.incident_close(at=at(MONDAY, 17, 30), **close)
    assert closing.kind == "closed" and services.incident_closed(incident) == closing
    with pytest.raises(ValidationError) as exc:
        services.incident_close(at=at(MONDAY, 17, 40), **close)
    assert exc.value.code == "closed"
    # Notes may still follow a closed incident (a correction, a later visit).
    services.incident_follow_up(
        incident=incident, kind="note", at=at(MONDAY, 17, 50), text="补充", actor=admin
    )
    assert incident.follow_ups.filter(kind="closed").count() == 1


def test_a_severe_incident_closes_only_once_the_bureau_was_told(demo, s1):
    admin = demo.user("s1_admin")
    county = s1.region
    # Reported while s1's chain had no officer (nobody received it) …
    province = Region.objects.create(code="42", name="湖北省", level="province")
    nowhere = Region.objects.create(code="420102", name="江岸区", level="county", parent=province)
    School.objects.filter(pk=s1.pk).update(region=nowhere)
    s1.refresh_from_db()
    incident = report(s1, admin, severity="severe")
    unheard = report(s1, admin, severity="severe")
    assert incident.bureau_notified_at is None
    # … nobody can be told: it may close as it is.
    services.incident_close(incident=unheard, outcome="已处理", at=at(MONDAY, 17, 30), actor=admin)
    # … but once the chain has an officer again, the bureau is told before the incident closes.
    School.objects.filter(pk=s1.pk).update(region=county)
    incident.school.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.incident_close(incident=incident, outcome="已处理", at=at(MONDAY, 17, 30), actor=admin)
    assert exc.value.code == "bureau_first"
    services.incident_notify_bureau(incident=incident, actor=admin)
    services.incident_close(incident=incident, outcome="已处理", at=at(MONDAY, 17, 30), actor=admin)
    assert services.incident_closed(incident) is not None


def test_the_admin_closes_on_the_page_and_the_list_tells_open_from_closed(admin_client, client, demo, s1):
    admin = demo.user("s1_admin")
    open_one = report(s1, admin, severity="minor")
    closed_one = report(s1, admin, severity="minor")
    kwargs = {"incident_code": closed_one.code}
    url = reverse("safety:incident-close", kwargs=kwargs)
    rejected = admin_client.post(url, {"close-outcome": "", "close-at": "2026-11-30T17:30"})
    assert rejected.status_code == 200 and 'value="2026-11-30T17:30"' in html(rejected)
    assert services.incident_closed(closed_one) is None
    response = admin_client.post(url, {"close-outcome": "擦伤已愈合", "close-at": "2026-11-30T17:30"})
    assert response.status_code == 302
    page = html(admin_client.get(reverse("safety:incident-detail", kwargs=kwargs)))
    assert "擦伤已愈合" in page and 'id="close-form"' not in page
    # The county bureau reads the outcome; it closes nothing.
    client.force_login(demo.user("zy_bureau"))
    assert client.post(url, {"close-outcome": "x", "close-at": "2026-11-30T17:40"}).status_code == 404
    listing = reverse("safety:incidents")
    link = lambda i: reverse("safety:incident-detail", kwargs={"incident_code": i.code})  # noqa: E731
    only_open = html(admin_client.get(listing, {"state": "open"}))
    assert link(open_one) in only_open and link(closed_one) not in only_open
    only_closed = html(admin_client.get(listing, {"state": "closed"}))
    assert link(closed_one) in only_closed and link(open_one) not in only_closed
