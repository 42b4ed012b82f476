"""F13: pick-up codes are never stored in plain text anywhere (the session included); the gate's
look-up by code counts misses and pauses after too many; a guardian revokes only their own codes."""

import pytest
import time_machine
from django.contrib.sessions.models import Session as DjangoSession
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEvent
from safety.models import PickupCode
from safety.services import codes
from schools import services as org
from schools.models import Guardianship
from tests.support.attendance import at, care_session

pytestmark = pytest.mark.django_db


GATE_USERS = ("s1_guard", "s1_admin", "s1_staff", "s1_head31", "s1_head32", "s1_parent")
GATE_TIMES = ((16, 55), (17, 20))


@pytest.fixture
def counters(demo):
    """Remove this test's miss counters from the shared cache (Redis outlives the test run; never
    cache.clear(), which would flush the broker's database too)."""

    def clear():
        school = demo.school("s1")
        for username in GATE_USERS:
            for hour, minute in GATE_TIMES:
                keys = codes.gate_miss_keys(
                    user=demo.user(username), school_id=school.pk, now=at(hour, minute)
                )
                cache.delete_many(list(keys))

    clear()
    yield
    clear()


@pytest.fixture
def care(demo):
    return care_session(demo, count=2)


def code_url(child) -> str:
    return reverse("safety:pickup-code", kwargs={"student_code": child.code})


def shown_code(page: str) -> str:
    return page.split('id="pickup-code"')[1].split(">")[1].split("<")[0].replace(" ", "")


def second_guardian(child):
    link = org.guardianship_add(
        student=child, name="测试父亲", mobile="13811112222", relationship="父亲", actor=None
    )
    user = link.guardian.user
    user.must_change_password = False  # signed in before: past the first-login page
    user.save(update_fields=["must_change_password"])
    return user


def test_the_code_is_shown_once_on_the_post_and_stored_nowhere_in_plain_text(client, care):
    child = care.students[0]
    with time_machine.travel(at(16, 50), tick=False):
        client.force_login(care.guardian(child).user)
        response = client.post(code_url(child))
        page = response.content.decode()
        assert response.status_code == 200 and "<svg" in page
        code = shown_code(page)
        row = PickupCode.objects.get(student=child)
        assert codes.code_digest(code) == row.digest
        assert response["Cache-Control"].count("no-store")
        # Not in any session (decoded), nor in any other column of the row.
        for stored in DjangoSession.objects.all():
            assert code not in repr(stored.get_decoded()) and code not in stored.session_data
        assert code not in repr(PickupCode.objects.filter(pk=row.pk).values().first())
        # Opening the page again shows that a code is live, not the code.
        again = client.get(code_url(child)).content.decode()
    assert 'id="pickup-code"' not in again and code not in again and 'id="pickup-live"' in again


def test_a_guardian_revokes_only_their_own_codes(client, care):
    child = care.students[0]
    mother = care.guardian(child).user
    father = second_guardian(child)
    with time_machine.travel(at(16, 50), tick=False):
        mine, mother_code = codes.pickup_code_issue(student=child, guardian_user=mother)
        theirs, father_code = codes.pickup_code_issue(student=child, guardian_user=father)
        # Issuing one's own code does not revoke the other guardian's: both work.
        mine.refresh_from_db()
        assert mine.revoked_at is None and theirs.revoked_at is None
        assert codes.pickup_code_check(student=child, code=mother_code) == mine
        assert codes.pickup_code_check(student=child, code=father_code) == theirs

        client.force_login(father)
        response = client.post(code_url(child), {"revoke": str(mine.code)})
        assert response.status_code == 404
        mine.refresh_from_db()
        assert mine.revoked_at is None
        # Malformed identifiers are "not there" too.
        for value in ("not-a-uuid", "' OR 1=1 --", ""):
            assert client.post(code_url(child), {"revoke": value}).status_code == 404
        # A guardian of another child cannot reach this child's page at all.
        client.force_login(care.guardian(care.students[1]).user)
        assert client.post(code_url(child), {"revoke": str(mine.code)}).status_code == 404

        client.force_login(mother)
        response = client.post(code_url(child), {"revoke": str(mine.code)})
        assert response.status_code == 302
        mine.refresh_from_db()
        theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert AuditEvent.objects.filter(verb="pickup_code.revoke", actor=mother).exists()


def test_a_code_of_a_guardian_the_school_restricted_no_longer_works(demo, care):
    child = care.students[0]
    mother = care.guardian(child).user
    with time_machine.travel(at(16, 50), tick=False):
        _row, code = codes.pickup_code_issue(student=child, guardian_user=mother)
        org.guardianship_restrict(
            link=Guardianship.objects.get(student=child, guardian__user=mother),
            reason="法院裁定",
            actor=demo.user("s1_admin"),
        )
        with pytest.raises(Exception) as error:
            codes.pickup_code_check(student=child, code=code)
    assert error.value.code == "no_code"


def test_the_gate_counts_misses_by_code_and_pauses_look_ups_by_code(demo, client, care, counters):
    child = care.students[0]
    url = reverse("safety:pickup-check")
    with time_machine.travel(at(16, 55), tick=False):
        _row, code = codes.pickup_code_issue(student=child, guardian_user=care.guardian(child).user)
        wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 30)]
        client.force_login(demo.user("s1_guard"))
        for guess in wrong[: codes.GATE_MISS_LIMIT]:
            page = client.get(url, {"q": guess}).content.decode()
            assert 'id="gate-none"' in page
        # Past the limit even the right code is not looked up (a guesser learns nothing) ...
        page = client.get(url, {"q": code}).content.decode()
        assert "输错接送码次数过多" in page and child.name not in page
        # ... while a look-up by name still works.
        pickup = care.pickup(child)
        assert child.name in client.get(url, {"q": pickup.name}).content.decode()

        # The count lives in the shared cache, per gate user and school: the school admin at the
        # same school still looks codes up ...
        client.force_login(demo.user("s1_admin"))
        assert child.name in client.get(url, {"q": code}).content.decode()
        # ... until the school's own limit is reached by all its users together.
        school = child.school_id
        for username in ("s1_admin", "s1_staff", "s1_head31"):
            for _ in range(codes.GATE_MISS_LIMIT):
                codes.gate_code_miss(user=demo.user(username), school_id=school)
        assert codes.gate_code_blocked(user=demo.user("s1_head32"), school_id=school)
        assert "输错接送码次数过多" in client.get(url, {"q": code}).content.decode()

    # The pause ends with its window.
    with time_machine.travel(at(17, 20), tick=False):
        client.force_login(demo.user("s1_guard"))
        _row, code = codes.pickup_code_issue(student=child, guardian_user=care.guardian(child).user)
        assert child.name in client.get(url, {"q": code}).content.decode()
