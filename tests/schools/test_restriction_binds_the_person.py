"""F13: a school's restriction binds the person, not the row. A restricted pick-up person cannot be
added again under a new row (same mobile however typed, or same name and ID digits), for the child
or a sibling; nor can a guardian the school restricted or removed. The school restricts a guardian
(court order) or ends a guardianship: audited, the person loses the child's pages and notices, and
the release page and the gate's pick-up check refuse them."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from safety.models import Release, ReleaseRefusal
from safety.services import attendance, codes, release
from safety.services.alerts import guardian_users
from safety.services.release import ReleaseRefused
from schools import access, services
from schools.models import AuthorizedPickup, Guardianship, Membership, Role
from tests.support.attendance import at, care_session

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"schools:{name}", kwargs=kwargs)


def grandma(demo, child="刘子涵") -> AuthorizedPickup:
    return AuthorizedPickup.objects.get(student=demo.child(child), name="刘桂兰")


def add_form(pickup: AuthorizedPickup, **changes) -> dict:
    return {
        "name": pickup.name,
        "relationship": pickup.relationship,
        "mobile": pickup.mobile,
        "id_last4": pickup.id_last4,
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": "",
        **changes,
    }


def test_a_parent_cannot_re_add_a_restricted_person_under_a_new_row(client, demo):
    pickup = grandma(demo)
    services.pickup_restrict(pickup=pickup, reason="法院禁止令", actor=demo.user("s1_admin"))
    services.pickup_end(pickup=pickup, actor=demo.user("s1_parent"))  # ending it does not lift it
    client.force_login(demo.user("s1_parent"))
    before = AuthorizedPickup.objects.count()
    mobile = pickup.mobile
    spaced = f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    for child, data in (
        ("刘子涵", add_form(pickup)),  # the same person again
        ("刘子涵", add_form(pickup, mobile=spaced, relationship="外婆")),  # the mobile typed another way
        ("刘子涵", add_form(pickup, mobile="13712345678")),  # same name and ID digits, new mobile
        ("刘浩然", add_form(pickup)),  # for the sibling
    ):
        response = client.post(url("family-pickup-add", student_code=demo.child(child).code), data)
        assert response.status_code == 200, data
        assert "学校已限制此人，不能添加。请联系学校。" in response.content.decode()
    assert AuthorizedPickup.objects.count() == before
    # Someone else with the same name (other ID digits, other mobile) may be added.
    response = client.post(
        url("family-pickup-add", student_code=demo.child("刘子涵").code),
        add_form(pickup, mobile="13712345678", id_last4="9999"),
    )
    assert response.status_code == 302


def test_a_person_the_school_restricted_as_a_guardian_cannot_be_added_as_a_pick_up_person(demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    link = Guardianship.objects.get(student=child)
    services.guardianship_restrict(link=link, reason="法院裁定", actor=demo.user("s1_admin"))
    with pytest.raises(ValidationError) as error:
        services.pickup_add(
            student=child,
            name="另一个名字",
            relationship="父亲",
            mobile=link.guardian.mobile,
            id_last4="1234",
            valid_from=timezone.localdate(),
            valid_until=None,
            actor=demo.user("s1_admin"),
        )
    assert error.value.code == "restricted"


def test_the_school_restricts_a_guardian_who_loses_the_childs_pages(client, demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    link = Guardianship.objects.select_related("guardian__user").get(student=child)
    parent = link.guardian.user
    assert child.pk in access.scope(parent).child_ids
    client.force_login(demo.user("s1_admin"))
    manage = url("guardianship-manage", guardian_code=link.guardian.code, student_code=child.code)
    response = client.post(manage, {"action": "restrict", "reason": " "})
    assert response.status_code == 400
    response = client.post(manage, {"action": "restrict", "reason": "法院裁定：不得接送"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.restricted and link.restriction_reason == "法院裁定：不得接送"
    event = AuditEvent.objects.get(verb="guardianship.restrict", target_id=str(child.code))
    assert event.actor == demo.user("s1_admin") and event.changes["guardian"] == str(link.guardian.code)
    page = client.get(url("guardian-detail", guardian_code=link.guardian.code)).content.decode()
    assert "学校已限制" in page

    parent = type(parent).objects.get(pk=parent.pk)  # a new request: no cached scope
    assert child.pk not in access.scope(parent).child_ids
    assert parent not in guardian_users(child)
    client.force_login(parent)
    assert client.get(url("family-child", student_code=child.code)).status_code == 404
    assert client.get(reverse("safety:pickup-code", kwargs={"student_code": child.code})).status_code == 404
    with pytest.raises(ValidationError):
        codes.pickup_code_issue(student=child, guardian_user=parent)

    client.force_login(demo.user("s1_admin"))
    assert client.post(manage, {"action": "unrestrict", "reason": ""}).status_code == 302
    link.refresh_from_db()
    assert not link.restricted
    assert AuditEvent.objects.filter(verb="guardianship.unrestrict", target_id=str(child.code)).exists()
    parent = type(parent).objects.get(pk=parent.pk)
    assert child.pk in access.scope(parent).child_ids


def test_the_school_ends_a_guardianship_and_the_person_loses_access(client, demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    link = Guardianship.objects.select_related("guardian__user").get(student=child)
    client.force_login(demo.user("s1_admin"))
    manage = url("guardianship-manage", guardian_code=link.guardian.code, student_code=child.code)
    assert client.post(manage, {"action": "end", "reason": ""}).status_code == 400
    assert client.post(manage, {"action": "end", "reason": "监护关系变更（法院判决）"}).status_code == 302
    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_reason == "监护关系变更（法院判决）"
    assert AuditEvent.objects.filter(verb="guardianship.end", target_id=str(child.code)).exists()
    # Ended is history: it cannot be restricted or ended again.
    with pytest.raises(ValidationError):
        services.guardianship_end(link=link, reason="x", actor=demo.user("s1_admin"))
    client.force_login(link.guardian.user)
    assert client.get(url("family-child", student_code=child.code)).status_code == 404


def test_only_the_schools_admin_manages_a_guardianship(client, demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    link = Guardianship.objects.select_related("guardian").get(student=child)
    manage = url("guardianship-manage", guardian_code=link.guardian.code, student_code=child.code)
    for username in ("s2_admin", "s1_head31", "s1_guard", "s1_parent"):
        client.force_login(demo.user(username))
        assert client.post(manage, {"action": "restrict", "reason": "x"}).status_code == 404, username
    link.refresh_from_db()
    assert link.active


def test_the_release_page_and_the_gate_refuse_a_restricted_guardian(client, demo):
    care = care_session(demo, count=2)
    with time_machine.travel(at(16, 5), tick=False):
        attendance.roll_call_save(
            session=care.session, actor=care.lead, marks={s.pk: "present" for s in care.students}
        )
    restricted, ended = care.students
    services.guardianship_restrict(
        link=Guardianship.objects.get(student=restricted), reason="法院禁止令", actor=demo.user("s1_admin")
    )
    services.guardianship_end(
        link=Guardianship.objects.get(student=ended), reason="监护关系终止", actor=demo.user("s1_admin")
    )
    with time_machine.travel(at(17, 0), tick=False):
        for child, reason in ((restricted, "restricted"), (ended, "not_valid")):
            guardian = care.guardian(child)
            with pytest.raises(ReleaseRefused):
                release.release_record(
                    session=care.session,
                    student=child,
                    actor=care.lead,
                    guardian=guardian,
                    verification="photo",
                )
            refusal = ReleaseRefusal.objects.get(student=child)
            assert (refusal.reason, refusal.person_name) == (reason, guardian.name)
            assert AuditEvent.objects.filter(verb="release.refuse", target_id=str(refusal.code)).exists()
        assert not Release.objects.filter(student__in=care.students).exists()

        # Through the release page too.
        client.force_login(care.lead)
        guardian = care.guardian(restricted)
        response = client.post(
            reverse(
                "safety:release-child",
                kwargs={"session_code": care.session.code, "student_code": restricted.code},
            ),
            {"person": f"g:{guardian.code}", "verification": "photo"},
        )
        assert response.status_code == 400
        assert ReleaseRefusal.objects.filter(student=restricted).count() == 2

        client.force_login(demo.user("s1_guard"))
        page = client.get(reverse("safety:pickup-check"), {"q": guardian.name}).content.decode()
    assert restricted.name in page and "border-danger" in page and "不得交出" in page


@pytest.mark.parametrize("role", [Role.SCHOOL_ADMIN, Role.CLASS_TEACHER])
def test_a_restricted_guardian_who_works_at_the_school_loses_the_family_pages_too(client, demo, role):
    """The family pages show a person's own children by their guardianship, not by what their job
    lets them see: a teacher or admin whom the school restricted as a guardian has no family page
    of the child, although their staff pages still show the child."""
    care = care_session(demo, count=1)
    child = care.students[0]
    link = Guardianship.objects.select_related("guardian__user").get(student=child)
    parent = link.guardian.user
    class_group = child.class_group if role == Role.CLASS_TEACHER else None
    Membership.objects.create(user=parent, role=role, school=child.school, class_group=class_group)
    family_pages = [
        url("family-child", student_code=child.code),
        reverse("enrollment:survey", kwargs={"student_code": child.code}),
        reverse("safety:leave-report", kwargs={"student_code": child.code}),
    ]
    client.force_login(parent)
    assert 404 not in [client.get(page).status_code for page in family_pages]
    services.guardianship_restrict(link=link, reason="法院裁定", actor=demo.user("s1_admin"))
    client.force_login(parent)  # a new request: the scope is read afresh
    assert [client.get(page).status_code for page in family_pages] == [404, 404, 404]
    assert child.pk in access.students_for(parent).values_list("pk", flat=True)  # still their pupil
