"""F13: every new account is activated with its own one-time code (no shared first password), and
an existing account is linked to a child only once its holder confirms; no school learns the name
of another school's parent."""

import datetime
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notices.models import Notification
from schools import activation, services
from schools.models import ActivationCode, Guardian, GuardianLink, Guardianship, Membership, Role, User
from tests.support.roster_files import confirm, last_import, row, xlsx

pytestmark = pytest.mark.django_db

SENT: list[dict] = []


def record_sms(*, mobile: str, message: str) -> None:
    """ACTIVATION_SMS_SENDER in these tests: the SMS gateway is a boundary."""
    SENT.append({"mobile": mobile, "message": message})


def html(response) -> str:
    return response.content.decode()


def codes_on(page: str) -> list[str]:
    return re.findall(r'activation-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', page)


def import_roster(admin, rows, **extra):
    url = reverse("schools:roster-import")
    admin.post(url, {"file": SimpleUploadedFile("花名册.xlsx", xlsx(rows)), **extra})
    confirm(admin, last_import())


def print_slips(admin, group) -> str:
    return html(admin.post(reverse("schools:activation-slips"), {"class_group": str(group.code)}))


def activate(client, login: str, code: str, password: str = "Qiu-tian-2026!", addr: str = "10.0.0.1"):
    return client.post(
        reverse("activate"),
        {"username": login, "code": code, "new_password1": password, "new_password2": password},
        REMOTE_ADDR=addr,
    )


def login(client, username: str, password: str, addr: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr)


# --- first sign-in of imported parents --------------------------------------------------------


def test_a_parent_who_knows_another_parents_mobile_cannot_sign_in_as_them(admin, client, demo):
    # The import form once took one first password for every new parent of the file, so a parent
    # who knew another's mobile number signed in first. Whatever a school types there now, no
    # account gets it, nor any other usable password.
    shared = "Kfw-first-2026"
    import_roster(admin, [row(1), row(2)], initial_password=shared)
    other = User.objects.get(mobile="15288880002")
    assert not other.has_usable_password()
    group = Guardianship.objects.get(guardian__mobile="15288880001").student.class_group
    mine, theirs = codes_on(print_slips(admin, group))  # slips in the parents' name order
    admin.logout()
    assert login(client, "152 8888 0002", shared).status_code == 200  # the form again: refused
    assert "_auth_user_id" not in client.session
    # One's own code does not open another account.
    assert activate(client, "15288880002", mine).status_code == 200
    assert "_auth_user_id" not in client.session
    other.refresh_from_db()
    assert not other.has_usable_password()
    assert activate(client, "15288880001", mine).status_code == 302


def test_it_prints_a_slip_per_parent_of_a_class_with_a_masked_mobile_and_a_fresh_code(admin, demo):
    import_roster(admin, [row(1), row(2), row(3, 监护人姓名="王家长1", 监护人手机号="15288880001")])
    group = Guardianship.objects.get(guardian__mobile="15288880002").student.class_group
    page = print_slips(admin, group)
    codes = codes_on(page)
    assert len(codes) == 2  # two new parents; the sibling's parent gets one slip for both children
    assert "152****0001" in page and "15288880001" not in page
    assert "王同学1、王同学3" in page and "/accounts/activate/" in page
    assert "王家长1" not in page  # a slip names the child, not the parent
    # Only digests are stored; printing again gives new codes and the earlier slips stop working.
    assert not ActivationCode.objects.filter(digest__in=[c.replace("-", "") for c in codes]).exists()
    again = codes_on(print_slips(admin, group))
    assert set(again).isdisjoint(codes)
    admin.logout()
    assert activate(admin, "15288880002", codes[0]).status_code == 200
    assert activate(admin, "15288880002", again[0]).status_code in (200, 302)


def test_a_code_signs_in_once_and_sets_the_persons_own_password(admin, client, demo):
    import_roster(admin, [row(1)])
    group = Guardianship.objects.get(guardian__mobile="15288880001").student.class_group
    [code] = codes_on(print_slips(admin, group))
    admin.logout()

    response = activate(client, "152 8888 0001", code.lower())  # spelling and case do not matter
    assert response.status_code == 302 and response.url == reverse("home")
    parent = User.objects.get(mobile="15288880001")
    assert client.session["_auth_user_id"] == str(parent.pk)
    assert client.get(reverse("home")).status_code == 200  # no forced password change: it is theirs
    parent.refresh_from_db()
    assert parent.check_password("Qiu-tian-2026!")
    client.logout()

    # Single use: the same code again is refused and changes nothing.
    response = activate(client, "15288880001", code, password="Another-pass-77")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    parent.refresh_from_db()
    assert parent.check_password("Qiu-tian-2026!")
    assert login(client, "15288880001", "Qiu-tian-2026!").status_code == 302


def test_a_weak_password_keeps_the_code(admin, client, demo):
    import_roster(admin, [row(1)])
    group = Guardianship.objects.get(guardian__mobile="15288880001").student.class_group
    [code] = codes_on(print_slips(admin, group))
    admin.logout()
    response = activate(client, "15288880001", code, password="12345678")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "这个密码太常见了" in html(response) or "密码" in html(response)
    assert activate(client, "15288880001", code).status_code == 302


def test_a_code_expires_after_the_set_number_of_days(admin, client, demo, settings):
    settings.ACTIVATION_CODE_DAYS = 14
    import_roster(admin, [row(1), row(2)])
    group = Guardianship.objects.get(guardian__mobile="15288880001").student.class_group
    codes = dict(zip(["15288880001", "15288880002"], codes_on(print_slips(admin, group)), strict=True))
    admin.logout()
    now = timezone.now()
    with time_machine.travel(now + datetime.timedelta(days=14, minutes=1)):
        assert activate(client, "15288880001", codes["15288880001"]).status_code == 200
        assert "_auth_user_id" not in client.session
    with time_machine.travel(now + datetime.timedelta(days=13, hours=23)):
        assert activate(client, "15288880002", codes["15288880002"]).status_code == 302


def test_wrong_codes_are_counted_and_void_the_code_at_the_limit(admin, client, demo, settings):
    settings.ACTIVATION_CODE_MAX_FAILURES = 5
    import_roster(admin, [row(1)])
    group = Guardianship.objects.get(guardian__mobile="15288880001").student.class_group
    [code] = codes_on(print_slips(admin, group))
    admin.logout()
    row_ = ActivationCode.objects.get(user__mobile="15288880001", revoked_at=None)
    # From five addresses (so that no address is locked out): each wrong code counts.
    for i in range(4):
        assert activate(client, "15288880001", "ABCD-EFGH", addr=f"10.0.1.{i}").status_code == 200
    row_.refresh_from_db()
    assert row_.failures == 4 and row_.revoked_at is None
    activate(client, "15288880001", "ABCD-EFGH", addr="10.0.1.9")
    row_.refresh_from_db()
    assert row_.failures == 5 and row_.revoked_at is not None
    # Now even the right code is refused: the school must issue a new one.
    assert activate(client, "15288880001", code, addr="10.0.2.1").status_code == 200
    assert "_auth_user_id" not in client.session


def test_wrong_codes_go_through_the_login_lockout_of_the_account(admin, client, demo, settings):
    settings.ACTIVATION_CODE_MAX_FAILURES = 100  # the address's lockout comes first here
    import_roster(admin, [row(1)])
    group = Guardianship.objects.get(guardian__mobile="15288880001").student.class_group
    [code] = codes_on(print_slips(admin, group))
    admin.logout()
    spellings = [
        "15288880001",
        "152 8888 0001",
        "+86 152-8888-0001",
        "１５２８８８８０００１",
        "8615288880001",
    ]
    for spelling in spellings:
        activate(client, spelling, "ABCD-EFGH")
    assert AccessAttempt.objects.filter(username="15288880001").exists()
    # Locked from this address, even with the right code; the code itself is not spent.
    response = activate(client, "15288880001", code)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.filter(post_data__contains="ABCD").exists()  # never kept
    assert activate(client, "15288880001", code, addr="10.9.9.9").status_code == 302


# --- reissue: the forgotten-password path ----------------------------------------------------


def test_a_school_admin_reissues_a_parents_code_and_the_old_one_stops_working(admin, client, demo):
    import_roster(admin, [row(1)])
    guardian = Guardian.objects.get(mobile="15288880001")
    [old] = codes_on(print_slips(admin, guardian.students.get().class_group))
    response = admin.post(
        reverse("schools:guardian-activation-reissue", kwargs={"guardian_code": guardian.code})
    )
    [new] = codes_on(html(response))
    assert new != old and "152****0001" in html(response)
    admin.logout()
    assert activate(client, "15288880001", old).status_code == 200
    assert activate(client, "15288880001", new).status_code == 302


def test_a_reissued_code_sets_a_new_password_for_a_parent_who_forgot_it(client, demo):
    parent = demo.user("s1_parent2")
    client.force_login(demo.user("s1_admin"))
    guardian = Guardian.objects.get(user=parent)
    response = client.post(
        reverse("schools:guardian-activation-reissue", kwargs={"guardian_code": guardian.code})
    )
    [code] = codes_on(html(response))
    client.logout()
    assert activate(client, "13900000002", code, password="Neu-pass-2026!").status_code == 302
    parent.refresh_from_db()
    assert parent.check_password("Neu-pass-2026!")


def test_no_school_resets_an_account_that_also_belongs_elsewhere(client, demo):
    # s1_parent's children are both at s1; give the account a child at s2 (confirmed by the parent).
    parent = demo.user("s1_parent")
    s2_child = demo.school("s2").students.order_by("pk").first()
    link = services.guardianship_add(
        student=s2_child, name="刘海燕", mobile="13900000001", relationship="母亲", actor=None
    )
    services.guardian_link_decide(link=link, user=parent, accept=True)
    client.force_login(demo.user("s1_admin"))
    guardian = Guardian.objects.get(user=parent)
    response = client.post(
        reverse("schools:guardian-activation-reissue", kwargs={"guardian_code": guardian.code})
    )
    assert response.status_code == 302
    assert not ActivationCode.objects.filter(user=parent).exists()


def test_staff_get_their_code_from_their_school_admin(admin, client, demo):
    response = admin.post(
        reverse("schools:staff-list"),
        {
            "new-name": "孙老师",
            "new-username": "s1_sun",
            "new-mobile": "",
            "new-role": Role.SERVICE_TEACHER,
            "create_account": "1",
        },
    )
    [code] = codes_on(html(response))
    assert "s1_sun" in html(response)
    membership = Membership.objects.get(user__username="s1_sun")
    response = admin.post(
        reverse("schools:staff-activation-reissue", kwargs={"membership_code": membership.code})
    )
    [new] = codes_on(html(response))
    admin.logout()
    assert activate(client, "s1_sun", code).status_code == 200
    assert activate(client, "S1_SUN", new).status_code == 302


def test_a_school_admin_cannot_reset_another_schools_staff(client, demo):
    client.force_login(demo.user("s2_admin"))
    membership = Membership.objects.get(user__username="s1_staff", role=Role.SERVICE_TEACHER)
    url = reverse("schools:staff-activation-reissue", kwargs={"membership_code": membership.code})
    assert client.post(url).status_code == 404
    assert not ActivationCode.objects.filter(user=membership.user).exists()


# --- the SMS seam (a sender named in settings) -----------------------------------------------------


def test_a_configured_sms_sender_gets_each_new_code_after_commit(
    demo, settings, django_capture_on_commit_callbacks
):
    SENT.clear()
    child = demo.child("刘浩然")
    settings.ACTIVATION_SMS_SENDER = ""  # the default: no gateway, slips only
    with django_capture_on_commit_callbacks(execute=True):
        services.guardian_add(
            student=child, name="刘建军", mobile="13655556660", relationship="父亲", actor=None
        )
    assert SENT == []
    settings.ACTIVATION_SMS_SENDER = "tests.schools.test_activation.record_sms"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _link, code = services.guardian_add(
            student=child, name="刘建军", mobile="13655556666", relationship="父亲", actor=None
        )
    assert SENT == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    [sms] = SENT
    assert sms["mobile"] == "13655556666" and activation.code_display(code) in sms["message"]


# --- accounts are not hijacked across schools -----------------------------------------------


def test_a_staff_username_shaped_like_a_mobile_number_is_refused(admin, client, demo, settings):
    for username in ("13900000001", "139 0000 0001", "+8613900000001"):
        response = admin.post(
            reverse("schools:staff-list"),
            {
                "new-name": "冒名",
                "new-username": username,
                "new-mobile": "",
                "new-role": Role.GATE_GUARD,
                "create_account": "1",
            },
        )
        assert response.status_code == 200
        assert "用户名不能是手机号" in html(response)
    assert not User.objects.filter(last_name="冒名").exists()
    # s1_parent (a demo account: its password is kept) still signs in with the mobile number alone.
    admin.logout()
    assert login(client, "13900000001", settings.DEMO_PASSWORD).status_code == 302


def test_a_username_may_be_the_accounts_own_mobile_number_only():
    user = User(username="13712345678", mobile="13712345678")
    user.set_unusable_password()
    user.full_clean()
    user.mobile = "13712340000"
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "username" in error.value.message_dict


def test_adding_a_guardian_by_another_schools_parents_mobile_neither_links_nor_names_them(client, demo):
    parent = demo.user("s1_parent")  # 刘海燕, mobile 13900000001, children at s1
    child = demo.child("杨一诺")  # s2
    client.force_login(demo.user("s2_admin"))
    url = reverse("schools:guardian-add", kwargs={"student_code": child.code})
    response = client.post(
        url, {"name": "随便写", "relationship": "母亲", "mobile": "139 0000 0001"}, follow=True
    )
    page = html(response)
    assert "刘海燕" not in page and "13900000001" not in page
    assert "139****0001" in page  # the child's record shows the masked number, waiting
    assert not Guardianship.objects.filter(student=child, guardian__user=parent).exists()
    link = GuardianLink.objects.get(student=child, user=parent, status="pending")
    [notice] = Notification.objects.filter(recipient=parent, kind="schools/guardian_link")
    assert "杨一诺" not in notice.body  # the child's name waits for her home page, behind sign-in
    assert not User.objects.filter(last_name="随便写").exists()
    for path in (
        reverse("schools:student-detail", kwargs={"student_code": child.code}),
        reverse("schools:guardian-list") + "?q=13900000001",
    ):
        assert "刘海燕" not in html(client.get(path))

    # Until the parent confirms: no access to the child.
    client.force_login(parent)
    assert client.get(reverse("schools:family-child", kwargs={"student_code": child.code})).status_code == 404
    home = html(client.get(reverse("home")))
    assert "杨一诺" in home and "金水区文化路小学" in home
    response = client.post(
        reverse("schools:guardian-link-decide", kwargs={"link_code": link.code}), {"decision": "accept"}
    )
    assert response.status_code == 302
    assert client.get(reverse("schools:family-child", kwargs={"student_code": child.code})).status_code == 200
    # Now a guardian of an s2 child: s2 sees the name on that child's record.
    client.force_login(demo.user("s2_admin"))
    assert "刘海燕" in html(
        client.get(reverse("schools:student-detail", kwargs={"student_code": child.code}))
    )


def test_a_declined_request_gives_nothing(client, demo):
    parent = demo.user("s1_parent")
    child = demo.child("杨一诺")
    link = services.guardianship_add(
        student=child, name="x", mobile="13900000001", relationship="母亲", actor=None
    )
    client.force_login(parent)
    client.post(
        reverse("schools:guardian-link-decide", kwargs={"link_code": link.code}), {"decision": "decline"}
    )
    link.refresh_from_db()
    assert link.status == "declined"
    assert client.get(reverse("schools:family-child", kwargs={"student_code": child.code})).status_code == 404
    # Nobody else answers a request.
    other = services.guardianship_add(
        student=child, name="x", mobile="13900000001", relationship="母亲", actor=None
    )
    client.force_login(demo.user("s2_parent"))
    url = reverse("schools:guardian-link-decide", kwargs={"link_code": other.code})
    assert client.post(url, {"decision": "accept"}).status_code == 404


def test_a_roster_naming_another_schools_parent_asks_them_first(client, demo, settings, tmp_path):
    client.force_login(demo.user("s2_admin"))
    import_roster(client, [row(1, 监护人姓名="王某", 监护人手机号="13900000001")])
    item = last_import()
    assert item.status == "done"
    parent = demo.user("s1_parent")
    assert Guardianship.objects.filter(guardian__user=parent).count() == 2  # still only her two
    assert GuardianLink.objects.filter(user=parent, status="pending").count() == 1
    page = html(client.get(reverse("schools:roster-import-detail", kwargs={"import_code": item.code})))
    assert "刘海燕" not in page


def test_giving_a_role_by_mobile_finds_no_parent_of_another_school(client, demo):
    client.force_login(demo.user("s2_admin"))
    response = client.post(
        reverse("schools:staff-list"),
        {"existing-login": "13900000001", "existing-role": Role.GATE_GUARD, "add_role": "1"},
    )
    page = html(response)
    assert "没有用户名或手机号为此的账号" in page and "刘海燕" not in page
    assert not Membership.objects.filter(user__username="s1_parent").exists()


def test_first_passwords_not_yet_changed_stop_working_at_upgrade(demo):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("schools.migrations.0010_drop_first_passwords_not_yet_changed")
    imported = User.objects.create_user(
        username="15288889999", mobile="15288889999", password="Kfw-first-2026"
    )
    User.objects.filter(pk=imported.pk).update(must_change_password=True)
    migration.drop_first_passwords(apps, None)
    imported.refresh_from_db()
    assert not imported.has_usable_password() and not imported.must_change_password
    assert demo.user("s1_parent").has_usable_password()  # chosen by the person: kept


def test_the_slips_also_come_as_a_pdf(admin, demo):
    import_roster(admin, [row(1), row(2)])
    group = Guardianship.objects.get(guardian__mobile="15288880001").student.class_group
    [old, _other] = codes_on(print_slips(admin, group))
    response = admin.post(reverse("schools:activation-slips"), {"class_group": str(group.code), "pdf": "1"})
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    # The PDF carries new codes: the slips printed before it no longer work.
    assert ActivationCode.objects.filter(user__mobile="15288880001", revoked_at=None).count() == 1
    admin.logout()
    assert activate(admin, "15288880001", old).status_code == 200
