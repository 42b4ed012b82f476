"""F17: a bureau runs its region: registers and edits schools (学校标识码 of 10 digits), sees the
offers-service history per term, invites officer and school-admin accounts with a one-time
activation code and disables them; never outside its region (404), always audited."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from schools import activation, services
from schools.models import Membership, Region, Role, School, User

pytestmark = pytest.mark.django_db


def test_the_officer_registers_and_edits_a_school_of_their_county(client, demo):
    client.force_login(demo.user("zy_bureau"))
    url = reverse("schools:region-school-create")
    county = Region.objects.get(code="410102").code
    bad = client.post(url, {"identifier": "41010200X3", "name": "新校", "stage": "primary", "region": county})
    assert bad.status_code == 200 and not School.objects.filter(name="新校").exists()
    taken = client.post(
        url, {"identifier": "4101020001", "name": "新校", "stage": "primary", "region": county}
    )
    assert taken.status_code == 200 and School.objects.get(identifier="4101020001").name == "中原区实验小学"
    response = client.post(
        url, {"identifier": "4101020099", "name": "中原区新建小学", "stage": "primary", "region": county}
    )
    assert response.status_code == 302
    school = School.objects.get(identifier="4101020099")
    assert school.region.code == "410102" and school.offers_service
    assert AuditEvent.objects.filter(verb="school.save", target_id=str(school.code)).exists()
    edit = reverse("schools:region-school-edit", kwargs={"school_code": school.code})
    assert (
        client.post(edit, {"name": "中原区新建实验小学", "stage": "nine_year", "region": county}).status_code
        == 302
    )
    school.refresh_from_db()
    assert (
        school.name == "中原区新建实验小学"
        and school.stage == "nine_year"
        and school.identifier == "4101020099"
    )


def test_a_county_officer_cannot_touch_another_county(client, demo):
    client.force_login(demo.user("zy_bureau"))
    s3 = demo.school("s3")  # 巩义市
    edit = reverse("schools:region-school-edit", kwargs={"school_code": s3.code})
    assert client.get(edit).status_code == 404
    assert (
        client.post(edit, {"name": "改名", "stage": "primary", "region": s3.region.code}).status_code == 404
    )
    # Registering into another county is a field error.
    response = client.post(
        reverse("schools:region-school-create"),
        {"identifier": "4101810099", "name": "越权学校", "stage": "primary", "region": s3.region.code},
    )
    assert response.status_code == 200 and not School.objects.filter(identifier="4101810099").exists()
    s3.refresh_from_db()
    assert s3.name == "巩义市紫荆路小学"
    # Nor moving one of its own schools there.
    s4 = demo.school("s4")
    edit4 = reverse("schools:region-school-edit", kwargs={"school_code": s4.code})
    client.post(edit4, {"name": s4.name, "stage": "primary", "region": s3.region.code})
    s4.refresh_from_db()
    assert s4.region.code == "410102"
    # And a school admin has none of these pages.
    client.force_login(demo.user("s1_admin"))
    assert client.get(reverse("schools:region-schools")).status_code == 404


def test_the_offers_service_history_per_term(client, demo):
    s4 = demo.school("s4")
    services.school_service_set(school=s4, offers_service=True, explanation="", actor=demo.user("s1_admin"))
    client.force_login(demo.user("zy_bureau"))
    page = client.get(reverse("schools:region-school-edit", kwargs={"school_code": s4.code})).content.decode()
    assert "service-history" in page
    assert "2026年秋季学期" in page


def test_invite_an_account_with_an_activation_code_and_disable_it(client, demo):
    officer = demo.user("zy_bureau")
    client.force_login(officer)
    s1 = demo.school("s1")
    response = client.post(
        reverse("schools:region-accounts"),
        {
            "role": Role.SCHOOL_ADMIN,
            "school": s1.code,
            "name": "王校长",
            "username": "s1_admin2",
            "mobile": "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "activation-code" in page
    user = User.objects.get(username="s1_admin2")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, role=Role.SCHOOL_ADMIN, school=s1).exists()
    code = page.split('activation-code">')[1].split("<")[0]
    assert activation.activation_code_check(user=user, code=code)

    membership = Membership.objects.get(user=user)
    disable = reverse("schools:region-account-disable", kwargs={"region_membership_code": membership.code})
    assert client.post(disable).status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEvent.objects.filter(verb="user.disable", target_id=str(user.pk)).exists()
    assert not activation.activation_code_check(user=user, code=code)


def test_officer_accounts_stay_in_the_region(client, demo):
    client.force_login(demo.user("zy_bureau"))
    # An officer for another county is refused.
    response = client.post(
        reverse("schools:region-accounts"),
        {
            "role": Role.BUREAU_OFFICER,
            "region": Region.objects.get(code="410181").code,
            "name": "越权",
            "username": "gy_x",
        },
    )
    assert response.status_code == 200 and not User.objects.filter(username="gy_x").exists()
    # Another county's officer, the city's officer: not there.
    for username in ("gy_bureau", "zz_bureau"):
        membership = Membership.objects.get(user__username=username, role=Role.BUREAU_OFFICER)
        url = reverse("schools:region-account-disable", kwargs={"region_membership_code": membership.code})
        assert client.post(url).status_code == 404
        assert User.objects.get(username=username).is_active
    # One's own account is never disabled.
    own = Membership.objects.get(user__username="zy_bureau", role=Role.BUREAU_OFFICER)
    client.post(reverse("schools:region-account-disable", kwargs={"region_membership_code": own.code}))
    assert User.objects.get(username="zy_bureau").is_active
    # The city's officer manages the county's officer.
    client.force_login(demo.user("zz_bureau"))
    page = client.get(reverse("schools:region-accounts")).content.decode()
    assert "zy_bureau" in page and "gy_bureau" not in page
