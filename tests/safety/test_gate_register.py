"""The gate register (门卫登记): a guard lets visitors in (ID kept as its last 4 only, shown
masked; a full ID number checked against GB 11643; mobile normalised), sees who is inside now and
signs them out; admins read the day's register; nobody outside the school sees any of it."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from safety.models import GateEntry, GateExit
from safety.selectors import records as selectors
from safety.services import gate as services
from tests.support.records import MONDAY, at, html

pytestmark = pytest.mark.django_db

# A valid GB 11643 number (check digit X) from a 中原区 birth place.
FULL_ID = "41010219900101104X"
VISITOR = {
    "name": "王建国",
    "id_number": FULL_ID,
    "mobile": "139 0000 1234",
    "purpose": "meeting",
    "visiting": "三年级(1)班班主任",
    "note": "",
}


@pytest.fixture(autouse=True)
def monday_afternoon():
    with time_machine.travel(at(MONDAY, 16, 30), tick=False):
        yield


def test_it_keeps_only_the_last_4_of_a_full_id_number_and_normalises_the_mobile(s1, demo):
    entry = services.gate_entry_record(school=s1, actor=demo.user("s1_guard"), **VISITOR)
    assert entry.id_last4 == "104X"
    assert entry.masked_id == "**************104X"
    assert entry.mobile == "13900001234"
    assert entry.masked_mobile == "139****1234"
    assert FULL_ID not in repr(list(GateEntry.objects.filter(pk=entry.pk).values_list()))
    assert AuditEvent.objects.filter(verb="gate.entry", target_id=str(entry.code)).exists()


def test_it_accepts_the_last_4_alone_and_refuses_a_wrong_id_or_mobile(s1, demo):
    guard = demo.user("s1_guard")
    assert (
        services.gate_entry_record(school=s1, actor=guard, **{**VISITOR, "id_number": "１２３x"}).id_last4
        == "123X"
    )
    for bad in ("410102199001010011", "12345", "ABCD"):
        with pytest.raises(ValidationError) as exc:
            services.gate_entry_record(school=s1, actor=guard, **{**VISITOR, "id_number": bad})
        assert exc.value.code == "id_number"
    with pytest.raises(ValidationError) as exc:
        services.gate_entry_record(school=s1, actor=guard, **{**VISITOR, "mobile": "12345"})
    assert exc.value.code == "mobile"


def test_the_guard_registers_a_visitor_in_and_out_at_the_desk(guard_client, s1):
    page = html(guard_client.get(reverse("safety:gate")))
    assert 'name="csrfmiddlewaretoken"' in page and "autofocus" in page

    response = guard_client.post(reverse("safety:gate"), VISITOR)
    assert response.status_code == 302
    entry = GateEntry.objects.get(school=s1, name="王建国")
    page = html(guard_client.get(response["Location"]))
    assert "王建国 registered in at 16:30" in page or "王建国 已于 16:30 登记进入" in page
    inside = page.split('id="inside-now"')[1].split("</ul>")[0]
    assert "王建国" in inside and "**************104X" in inside and "139****1234" in inside
    assert FULL_ID not in page and "13900001234" not in page

    with time_machine.travel(at(MONDAY, 16, 50), tick=False):
        response = guard_client.post(reverse("safety:gate-exit", kwargs={"gate_entry_code": entry.code}))
    assert response.status_code == 302
    assert GateExit.objects.get(entry=entry).recorded_by.username == "s1_guard"
    page = html(guard_client.get(reverse("safety:gate")))
    assert "王建国" not in page.split('id="inside-now"')[1].split("</ul>")[0]
    assert "王建国 · 16:30–16:50" in page.split('id="left-today"')[1]

    # A second click (or a second guard) changes nothing.
    response = guard_client.post(
        reverse("safety:gate-exit", kwargs={"gate_entry_code": entry.code}), follow=True
    )
    assert GateExit.objects.filter(entry=entry).count() == 1
    assert "已登记离开" in html(response) or "already been signed out" in html(response)


def test_a_rejected_entry_keeps_what_was_typed_and_says_why(guard_client):
    response = guard_client.post(reverse("safety:gate"), {**VISITOR, "id_number": "410102199001010011"})
    page = html(response)
    assert response.status_code == 200
    assert 'value="王建国"' in page and 'value="410102199001010011"' in page
    assert not GateEntry.objects.filter(name="王建国").exists()
    assert "18" in page  # "Enter a valid 18-character ID number, or only its last 4 characters."


def test_the_days_register_lists_entries_with_exits_for_admins_and_guards(admin_client, s1):
    page = html(admin_client.get(reverse("safety:gate-register") + "?day=2026-10-15"))
    demo_day = selectors.gate_day(s1, datetime.date(2026, 10, 15))
    assert demo_day, "the demo has gate entries on every service day"
    for entry in demo_day:
        assert entry.name in page and entry.masked_id in page
    assert 'id="safety-tabs"' in page  # admins get the safety tabs


def test_the_gate_screen_costs_the_same_queries_for_10_and_100_visitors_inside(
    guard_client, s1, demo, django_assert_max_num_queries
):
    guard = demo.user("s1_guard")

    def fill(n):
        GateEntry.objects.bulk_create(
            [
                GateEntry(
                    school=s1,
                    name=f"访客{i}",
                    id_last4="1234",
                    mobile="13900001234",
                    purpose="pick_up",
                    visiting="班主任",
                    recorded_by=guard,
                )
                for i in range(n)
            ]
        )

    fill(10)
    guard_client.get(reverse("safety:gate"))
    with django_assert_max_num_queries(12) as small:
        assert guard_client.get(reverse("safety:gate")).status_code == 200
    fill(90)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = html(guard_client.get(reverse("safety:gate")))
    assert page.count("访客") >= 100


def test_nobody_outside_the_school_reaches_the_gate(client, demo, s1):
    entry = services.gate_entry_record(school=s1, actor=demo.user("s1_guard"), **VISITOR)
    exit_url = reverse("safety:gate-exit", kwargs={"gate_entry_code": entry.code})
    for username in ("s1_staff", "s1_parent", "s1_head31", "zy_bureau", "hn_bureau"):
        client.force_login(demo.user(username))
        assert client.get(reverse("safety:gate")).status_code == 404, username
        assert client.post(reverse("safety:gate"), VISITOR).status_code == 404, username
        assert client.post(exit_url).status_code == 404, username
        assert client.get(reverse("safety:gate-register")).status_code == 404, username
    # Another school's admin keeps their own gate and never sees s1's.
    client.force_login(demo.user("s2_admin"))
    assert "王建国" not in html(client.get(reverse("safety:gate")))
    assert "王建国" not in html(client.get(reverse("safety:gate-register") + f"?day={MONDAY}"))
    assert client.post(exit_url).status_code == 404
    assert not GateExit.objects.filter(entry=entry).exists()
    assert GateEntry.objects.filter(name="王建国").count() == 1
    client.force_login(demo.user("s1_admin"))
    assert client.get(f"{reverse('safety:gate')}?school={demo.school('s2').code}").status_code == 404
    client.logout()
    assert client.get(reverse("safety:gate")).status_code == 302  # to the login page


def test_the_gate_is_get_and_post_only_and_exit_is_post_only(guard_client, demo, s1):
    entry = services.gate_entry_record(school=s1, actor=demo.user("s1_guard"), **VISITOR)
    assert (
        guard_client.get(reverse("safety:gate-exit", kwargs={"gate_entry_code": entry.code})).status_code
        == 405
    )
    assert guard_client.put(reverse("safety:gate")).status_code == 405
    assert not GateExit.objects.filter(entry=entry).exists()
