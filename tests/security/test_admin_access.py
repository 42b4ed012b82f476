"""F13: the Django admin needs the second factor of every is_staff account, logs its views of
children's records, and cannot be searched by a full 学籍号."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.admin import AccessLoggedAdmin, student_path
from audit.models import AccessLog
from enrollment.models import Application
from tests.support import factories

pytestmark = pytest.mark.django_db

ENROL, VERIFY = reverse("otp-enrol"), reverse("otp-verify")


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings


def staff_user(**extra):
    """A platform operator with no school or bureau role: is_staff, may look at students."""
    user = factories.UserFactory(is_staff=True, **extra)
    user.user_permissions.add(Permission.objects.get(codename="view_student"))
    return user


def sign_in(client, user):
    user.set_password("a-long-passphrase-2026")
    user.save()
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": "a-long-passphrase-2026"},
        REMOTE_ADDR="10.9.9.8",
    )
    assert response.status_code == 302


@pytest.mark.parametrize("superuser", [False, True])
def test_a_staff_account_without_any_role_must_enrol_a_second_factor(client, demo, required, superuser):
    user = staff_user(is_superuser=superuser)
    sign_in(client, user)
    for url in (reverse("admin:index"), reverse("admin:schools_student_changelist"), reverse("home")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == ENROL, url


def test_a_staff_account_reaches_the_admin_after_its_code(client, demo, required):
    user = staff_user()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(client, user)
    assert client.get(reverse("admin:index")).url == VERIFY
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    assert client.post(VERIFY, {"token": token}).status_code == 302
    assert client.get(reverse("admin:schools_student_changelist")).status_code == 200


def test_every_admin_of_childrens_records_writes_the_access_log():
    about_children = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if student_path(model) is not None
    ]
    assert len(about_children) >= 15
    missing = [model._meta.label for model, ma in about_children if not isinstance(ma, AccessLoggedAdmin)]
    assert missing == []


def test_admin_lists_and_change_pages_log_each_child_shown(admin_client, demo):
    child = demo.child("刘子涵")
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = admin_client.get(
        reverse("admin:schools_student_changelist"), {"school__id__exact": child.school_id}
    )
    shown = {str(s.code) for s in response.context["cl"].result_list}
    logged = set(AccessLog.objects.filter(pk__gt=last).values_list("target_id", flat=True))
    assert len(shown) == 100 and shown == logged

    application = Application.objects.select_related("student").order_by("pk").first()
    for url, student in (
        (reverse("admin:schools_student_change", args=[child.pk]), child),
        (reverse("admin:schools_guardian_change", args=[child.guardians.order_by("pk").first().pk]), child),
        (reverse("admin:enrollment_application_change", args=[application.pk]), application.student),
    ):
        last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first()
        assert admin_client.get(url).status_code == 200
        assert AccessLog.objects.filter(
            pk__gt=last, target_type="schools.student", target_id=str(student.code)
        ).exists(), url

    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = admin_client.get(reverse("admin:enrollment_placement_changelist"))
    placed = {str(p.application.student.code) for p in response.context["cl"].result_list}
    assert placed and placed <= set(AccessLog.objects.filter(pk__gt=last).values_list("target_id", flat=True))


def test_the_admin_finds_a_child_by_name_or_the_last_digits_never_by_the_full_number(admin_client, demo):
    child = demo.child("刘子涵")
    url = reverse("admin:schools_student_changelist")

    def found(q):
        return list(admin_client.get(url, {"q": q}).context["cl"].result_list)

    assert child in found(child.name)
    assert child in found(child.student_number[-4:])
    assert found(child.student_number) == []
    assert found(child.student_number[1:]) == []  # the ID number inside it
    assert found(child.student_number[:12]) == []  # nor a prefix (region and birth date)
