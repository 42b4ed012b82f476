"""F10 consent (PIPL): an application records the guardian's consent under the current privacy
notice, the priority-group data its own; a new notice version asks again; withdrawing the
priority-group consent deletes that data."""

import pytest
from django.urls import reverse

from enrollment import services as enrollment_services
from enrollment.models import Application
from privacy import services
from privacy.models import ConsentRecord

pytestmark = pytest.mark.django_db
PERSONAL, SENSITIVE = ConsentRecord.Purpose.PERSONAL, ConsentRecord.Purpose.SENSITIVE


def live(guardian, student=None, purpose=None):
    rows = ConsentRecord.objects.filter(guardian=guardian, withdrawn_at=None)
    if student is not None:
        rows = rows.filter(student=student)
    return rows.filter(purpose=purpose) if purpose else rows


def test_an_application_with_priority_data_records_both_consents(parent, demo, notice, grade3_groups):
    child = demo.child("刘子涵")
    guardian = child.guardians.get()
    enrollment_services.notice_acknowledge(notice=notice, guardian=guardian)
    ConsentRecord.objects.filter(student=child).delete()
    data = {
        "days": ["1", "3"],
        "choice_1": str(grade3_groups[0].code),
        "choice_2": str(grade3_groups[1].code),
        "choice_3": "",
        "pickup": "guardian",
        "safety_commitment": "on",
        "left_behind": "on",
        "priority_consent": "on",
    }
    response = parent.post(reverse("enrollment:apply", kwargs={"student_code": child.code}), data)
    assert response.status_code == 302
    assert Application.objects.get(student=child, term=notice.term).left_behind
    current = services.notice_current()
    assert live(guardian, child, PERSONAL).get().notice == current
    assert live(guardian, child, SENSITIVE).get().notice == current


def test_an_application_without_priority_data_records_no_sensitive_consent(demo, notice):
    child = demo.child("刘子涵")
    guardian = child.guardians.get()
    ConsentRecord.objects.filter(student=child).delete()
    application = Application(guardian=guardian, student=child, priority_consent=True)
    made = services.consents_from_application(application=application)
    assert [c.purpose for c in made] == [PERSONAL]
    assert not live(guardian, child, SENSITIVE).exists()


def test_consent_is_only_for_ones_own_child(demo):
    from django.core.exceptions import ValidationError

    stranger = demo.child("陈雨桐")
    guardian = demo.child("刘子涵").guardians.get()
    with pytest.raises(ValidationError) as exc:
        services.consent_give(guardian=guardian, student=stranger, purpose=PERSONAL)
    assert exc.value.code == "not_guardian"


def test_a_new_notice_version_asks_again_before_any_child_page(parent, demo):
    guardian = demo.user("s1_parent").guardian
    child = demo.child("刘子涵")
    assert live(guardian, purpose=PERSONAL).exists()  # the demo's version 1
    assert parent.get(reverse("home")).status_code == 200

    new = services.notice_publish(title="个人信息保护告知书", body="第二版：新增……", actor=demo.user("admin"))
    notice_url = reverse("privacy:notice")
    for url in (
        reverse("home"),
        reverse("enrollment:family"),
        reverse("schools:family-child", kwargs={"student_code": child.code}),
    ):
        response = parent.get(url)
        assert response.status_code == 302 and response.url == notice_url, url
    page = parent.get(notice_url).content.decode()
    assert "第二版" in page and "请阅读并再次同意" in page

    # Not ticking the box is refused and changes nothing.
    assert parent.post(notice_url, {}).status_code == 200
    assert not live(guardian, purpose=PERSONAL).filter(notice=new).exists()

    response = parent.post(notice_url, {"accept": "on", "keep_sensitive": "on"})
    assert response.status_code == 302
    children = set(guardian.students.values_list("pk", flat=True))
    assert (
        set(live(guardian, purpose=PERSONAL).filter(notice=new).values_list("student", flat=True)) == children
    )
    assert parent.get(reverse("home")).status_code == 200


def test_guardians_and_staff_without_an_earlier_consent_are_not_stopped(client, demo):
    services.notice_publish(title="个人信息保护告知书", body="第二版", actor=None)
    for username in ("s2_parent", "s1_admin", "s1_head31"):
        client.force_login(demo.user(username))
        assert client.get(reverse("home")).status_code == 200, username


def _priority_child(demo):
    child = demo.child("刘浩然")
    guardian = child.guardians.get()
    type(child).objects.filter(pk=child.pk).update(left_behind=True, other_priority_note="父母在外地务工")
    services.consent_give(guardian=guardian, student=child, purpose=SENSITIVE)
    return child, guardian


def test_withdrawing_the_priority_consent_deletes_the_priority_data(parent, demo):
    child, guardian = _priority_child(demo)
    application = Application.objects.filter(student=child).first()
    if application is not None:
        Application.objects.filter(pk=application.pk).update(
            priority_consent=True, low_income=True, other_need="低保户"
        )
    consent = live(guardian, child, SENSITIVE).get()

    page = parent.get(reverse("privacy:consents")).content.decode()
    withdraw = reverse("privacy:consent-withdraw", kwargs={"consent_code": consent.code})
    assert withdraw in page
    response = parent.post(withdraw)
    assert response.status_code == 302

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    child.refresh_from_db()
    assert not child.is_priority
    assert live(guardian, child, PERSONAL).exists()  # the other consent stands
    if application is not None:
        application.refresh_from_db()
        assert not application.is_priority and not application.priority_consent


def test_not_keeping_the_priority_consent_on_a_new_version_withdraws_it(parent, demo):
    child, guardian = _priority_child(demo)
    services.notice_publish(title="个人信息保护告知书", body="第二版", actor=None)
    assert "keep_sensitive" in parent.get(reverse("privacy:notice")).content.decode()
    parent.post(reverse("privacy:notice"), {"accept": "on"})
    assert not live(guardian, child, SENSITIVE).exists()
    child.refresh_from_db()
    assert not child.is_priority


def test_another_familys_consent_is_404_and_unchanged(client, demo):
    child, guardian = _priority_child(demo)
    consent = live(guardian, child, SENSITIVE).get()
    client.force_login(demo.user("s1_parent2"))
    url = reverse("privacy:consent-withdraw", kwargs={"consent_code": consent.code})
    assert client.post(url).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    child.refresh_from_db()
    assert child.is_priority


def test_a_personal_data_consent_is_not_withdrawn_from_the_list(parent, demo):
    guardian = demo.user("s1_parent").guardian
    consent = live(guardian, purpose=PERSONAL).first()
    parent.post(reverse("privacy:consent-withdraw", kwargs={"consent_code": consent.code}))
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_a_superuser_publishes_the_next_version_in_the_admin(client, demo):
    from privacy.models import PrivacyNotice

    client.force_login(demo.user("admin"))
    response = client.post(
        reverse("admin:privacy_privacynotice_add"), {"title": "个人信息保护告知书", "body": "第二版"}
    )
    assert response.status_code == 302
    assert services.notice_current().version == 2
    assert PrivacyNotice.objects.count() == 2
    page = client.get(reverse("admin:privacy_privacynotice_change", args=[services.notice_current().pk]))
    assert page.status_code == 200  # shown read-only: a published text never changes
    assert 'name="body"' not in page.content.decode()
