"""School admin screens (F2): classes, staff, students, guardians, pick-up persons, the school's
service setting; search, pagination, query budgets, masking, access logs and scope."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import ric

from audit.models import AccessLog, AuditEvent
from schools import services
from schools.models import (
    AuthorizedPickup,
    ClassGroup,
    Guardian,
    Guardianship,
    Membership,
    Role,
    Student,
    User,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, demo):
    client.force_login(demo.user("s1_admin"))
    return client


def url(name, **kwargs):
    return reverse(f"schools:{name}", kwargs=kwargs or None)


def html(response) -> str:
    return response.content.decode()


def grow_class(group: ClassGroup, to: int) -> None:
    """Fill a class up to `to` students, each with a guardian and a pick-up person."""
    have = Student.objects.filter(class_group=group).count()
    start = Student.objects.count()
    students = Student.objects.bulk_create(
        [
            Student(
                school=group.school,
                class_group=group,
                name=f"测试{i:03d}",
                gender="F",
                student_number=f"T{start + i:09d}",
                birth_date=datetime.date(2017, 3, 1),
                left_behind=True,
            )
            for i in range(to - have)
        ]
    )
    users = User.objects.bulk_create(
        [
            User(username=f"1770000{start + i:04d}", mobile=f"1770000{start + i:04d}")
            for i in range(len(students))
        ]
    )
    guardians = Guardian.objects.bulk_create(
        [Guardian(user=u, name=f"家长{u.username[-4:]}", mobile=u.username) for u in users]
    )
    Guardianship.objects.bulk_create(
        [
            Guardianship(guardian=g, student=s, relationship="母亲")
            for g, s in zip(guardians, students, strict=True)
        ]
    )
    AuthorizedPickup.objects.bulk_create(
        [
            AuthorizedPickup(
                student=s,
                name=f"接送{i:03d}",
                relationship="奶奶",
                mobile=f"1860000{start + i:04d}",
                id_last4="1234",
                valid_from=datetime.date(2026, 9, 1),
                added_by=users[0],
            )
            for i, s in enumerate(students)
        ]
    )


def valid_number(student: Student) -> str:
    """A 学籍号 whose ID part passes GB 11643 (the demo seeds numbers whose check digit is off)."""
    base = student.student_number[1:18]
    number = "G" + base + ric.calc_check_digit(base + "0")
    Student.objects.filter(pk=student.pk).update(student_number=number)
    return number


def fresh_class(demo, number: int = 7) -> ClassGroup:
    return services.class_create(school=demo.school("s1"), grade=6, number=number, actor=None)


def count_queries(client, path) -> tuple[int, str]:
    # A request first: after a long build the staff idle clock writes the session once (at most once
    # a minute, schools.middleware), which is not the page's cost.
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), html(response)


# --- classes ----------------------------------------------------------------------------------


def test_it_lists_the_schools_classes_with_teacher_and_counts(
    admin_client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = admin_client.get(url("class-list"))
    page = html(response)
    assert page.count("年级(") == 12
    teacher = demo.user("s1_head31")
    assert str(teacher) in page
    group = demo.klass("s1", 3, 1)
    row = response.context["classes"].get(pk=group.pk)
    assert row.student_count == 20
    assert (
        row.priority_count
        == group.students.filter(left_behind=True).count()
        + group.students.filter(migrant=True, left_behind=False).count()
        + group.students.filter(low_income=True, left_behind=False, migrant=False).count()
    )
    assert "金水区" not in page


def test_it_adds_a_class_and_refuses_a_duplicate(admin_client, demo):
    response = admin_client.post(url("class-list"), {"grade": "6", "number": "3"})
    assert response.status_code == 302
    assert ClassGroup.objects.filter(school=demo.school("s1"), grade=6, number=3).exists()
    response = admin_client.post(url("class-list"), {"grade": "6", "number": "3"})
    assert response.status_code == 200
    assert "该班级在本校已存在。" in html(response)


def test_it_shows_a_class_roster_with_masked_numbers(admin_client, demo):
    group = demo.klass("s1", 3, 1)
    response = admin_client.get(url("class-detail", class_code=group.code))
    page = html(response)
    for student in group.students.all():
        assert student.name in page
        assert student.masked_student_number in page
        assert student.student_number not in page


def test_it_sets_a_class_teacher_from_the_schools_staff_only(admin_client, demo):
    group = demo.klass("s1", 3, 1)
    staff = demo.user("s1_staff")
    response = admin_client.post(url("class-detail", class_code=group.code), {"teacher": staff.pk})
    assert response.status_code == 302
    assert Membership.objects.get(class_group=group, role=Role.CLASS_TEACHER).user == staff
    outsider = demo.user("s2_admin")
    response = admin_client.post(url("class-detail", class_code=group.code), {"teacher": outsider.pk})
    assert response.status_code == 200
    assert Membership.objects.get(class_group=group, role=Role.CLASS_TEACHER).user == staff


# --- staff ------------------------------------------------------------------------------------


def test_it_lists_staff_with_role_and_mobile(admin_client, demo):
    guard = demo.user("s1_guard")
    guard.mobile = "13811112222"
    guard.save()
    page = html(admin_client.get(url("staff-list")))
    assert "13811112222" in page and "门卫" in page and "s1_head31" in page
    assert "s2_admin" not in page


def test_it_gives_an_existing_account_a_role_by_username_or_mobile(admin_client, demo):
    school = demo.school("s1")
    response = admin_client.post(
        url("staff-list"),
        {"existing-login": "s1_guard", "existing-role": Role.SERVICE_TEACHER, "add_role": "1"},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(
        user__username="s1_guard", role=Role.SERVICE_TEACHER, school=school
    ).exists()
    response = admin_client.post(
        url("staff-list"),
        {"existing-login": "139 0000 0002", "existing-role": Role.GATE_GUARD, "add_role": "1"},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(
        user__username="s1_parent2", role=Role.GATE_GUARD, school=school
    ).exists()
    response = admin_client.post(
        url("staff-list"),
        {"existing-login": "nobody_here", "existing-role": Role.GATE_GUARD, "add_role": "1"},
    )
    assert "没有用户名或手机号为此的账号。" in html(response)


def test_it_creates_a_staff_account_with_an_activation_code_and_no_password(admin_client, demo):
    group = demo.klass("s1", 6, 2)
    response = admin_client.post(
        url("staff-list"),
        {
            "new-name": "孙老师",
            "new-username": "s1_sun",
            "new-mobile": "13712345678",
            "new-role": Role.CLASS_TEACHER,
            "new-class_group": group.pk,
            "create_account": "1",
        },
    )
    assert response.status_code == 200 and "激活码" in html(response)
    user = User.objects.get(username="s1_sun")
    assert not user.has_usable_password()
    assert user.activation_codes.filter(used_at=None, revoked_at=None).count() == 1
    assert Membership.objects.get(class_group=group, role=Role.CLASS_TEACHER).user == user
    assert AuditEvent.objects.filter(verb="user.create", target_id=str(user.pk)).exists()


def test_it_keeps_what_was_typed_when_a_new_account_is_refused(admin_client, demo):
    response = admin_client.post(
        url("staff-list"),
        {
            "new-name": "孙老师",
            "new-username": "s1_guard",
            "new-mobile": "12345",
            "new-password": "123",
            "new-role": Role.GATE_GUARD,
            "create_account": "1",
        },
    )
    page = html(response)
    assert response.status_code == 200
    assert "该用户名已被使用。" in page
    assert 'value="孙老师"' in page
    assert not User.objects.filter(last_name="孙老师").exists()


def test_it_removes_a_role_but_not_the_admins_own(admin_client, demo):
    staff = Membership.objects.get(user__username="s1_staff")
    response = admin_client.post(url("membership-remove", membership_code=staff.code))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=staff.pk).exists()
    own = Membership.objects.get(user__username="s1_admin")
    response = admin_client.post(url("membership-remove", membership_code=own.code), follow=True)
    assert Membership.objects.filter(pk=own.pk).exists()
    assert "您不能移除自己的学校管理员角色。" in html(response)


def test_membership_remove_answers_get_with_405(admin_client, demo):
    staff = Membership.objects.get(user__username="s1_staff")
    assert admin_client.get(url("membership-remove", membership_code=staff.code)).status_code == 405
    assert Membership.objects.filter(pk=staff.pk).exists()


# --- students ---------------------------------------------------------------------------------


def test_it_searches_students_by_name_and_last_digits(admin_client, demo):
    child = demo.child("刘子涵")
    page = html(admin_client.get(url("student-list"), {"q": "子涵"}))
    assert "刘子涵" in page
    page = html(admin_client.get(url("student-list"), {"q": child.student_number[-6:]}))
    assert "刘子涵" in page and child.student_number not in page
    response = admin_client.get(url("student-list"), {"q": "杨一诺"})  # s2's child
    assert response.context["page"].paginator.count == 0


def test_it_filters_students_by_class_and_priority_group(admin_client, demo):
    group = demo.klass("s1", 3, 2)
    response = admin_client.get(url("student-list"), {"class_group": group.code})
    assert len(response.context["page"].object_list) == 20
    assert "陈雨桐" in html(response)
    response = admin_client.get(url("student-list"), {"priority": "left_behind"})
    expected = Student.objects.filter(school=demo.school("s1"), left_behind=True).count()
    assert response.context["page"].paginator.count == expected > 0
    assert all(s.left_behind for s in response.context["page"].object_list)


def test_it_pages_students_fifty_at_a_time_with_constant_queries(
    admin_client, demo, django_assert_max_num_queries
):
    group = fresh_class(demo)
    path = url("student-list") + f"?class_group={group.code}"
    grow_class(group, 20)
    admin_client.get(path)  # the account state into the cache: both counts below are warm (F18)
    small, page = count_queries(admin_client, path)
    assert "20 名学生" in page
    grow_class(group, 200)
    large, page = count_queries(admin_client, path)
    assert small == large
    assert "200 名学生" in page and "第 1 页，共 4 页" in page
    with django_assert_max_num_queries(12):
        response = admin_client.get(path + "&page=4&q=测试")
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].number == 4
    assert f"class_group={group.code}" in html(response)  # the links keep the filter


def test_it_shows_a_childs_record_masked_and_logs_the_view(admin_client, demo, django_assert_max_num_queries):
    child = demo.child("刘子涵")
    before = AccessLog.objects.filter(target_id=str(child.code)).count()
    with django_assert_max_num_queries(14):
        response = admin_client.get(url("student-detail", student_code=child.code))
    page = html(response)
    assert response.status_code == 200
    assert child.masked_student_number in page and child.student_number not in page
    assert child.student_number[1:] not in page  # nor the ID number inside it
    assert "刘海燕" in page and "刘桂兰" in page and "三年级(1)班" in page
    log = AccessLog.objects.filter(target_id=str(child.code)).first()
    assert AccessLog.objects.filter(target_id=str(child.code)).count() == before + 1
    assert log.user == demo.user("s1_admin") and log.target_type == "schools.student"


def test_it_edits_a_student_and_moves_them_within_the_school(admin_client, demo):
    child = demo.child("刘子涵")
    number = valid_number(child)
    child.refresh_from_db()
    target = demo.klass("s1", 3, 2)
    response = admin_client.get(url("student-edit", student_code=child.code))
    assert number not in html(response) and child.masked_student_number in html(response)
    data = {
        "class_group": target.pk,
        "name": "刘子涵",
        "gender": child.gender,
        "student_number": "",
        "birth_date": child.birth_date.isoformat(),
        "migrant": "on",
    }
    response = admin_client.post(url("student-edit", student_code=child.code), data)
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.class_group == target and child.migrant
    assert child.student_number == number  # kept
    other = demo.klass("s2", 3, 1)
    response = admin_client.post(
        url("student-edit", student_code=child.code), {**data, "class_group": other.pk}
    )
    assert response.status_code == 200
    child.refresh_from_db()
    assert child.class_group == target


def test_it_refuses_a_wrong_student_number_and_keeps_the_form(admin_client, demo):
    child = demo.child("刘子涵")
    data = {
        "class_group": child.class_group.pk,
        "name": "刘子涵改",
        "gender": child.gender,
        "student_number": "G41010220170101001X",
        "birth_date": child.birth_date.isoformat(),
    }
    response = admin_client.post(url("student-edit", student_code=child.code), data)
    page = html(response)
    assert response.status_code == 200
    assert "校验位错误" in page and 'value="刘子涵改"' in page
    child.refresh_from_db()
    assert child.name == "刘子涵"


def test_it_adds_a_guardian_to_a_student(admin_client, demo):
    child = demo.child("刘浩然")
    response = admin_client.post(
        url("guardian-add", student_code=child.code),
        {"name": "刘建军", "relationship": "父亲", "mobile": "13655556666"},
    )
    assert response.status_code == 200 and "激活码" in html(response)  # the slip to print
    guardian = Guardian.objects.get(mobile="13655556666")
    assert Guardianship.objects.filter(guardian=guardian, student=child, relationship="父亲").exists()
    assert not guardian.user.has_usable_password()
    response = admin_client.post(
        url("guardian-add", student_code=child.code), {"name": "王", "relationship": "父亲", "mobile": "123"}
    )
    assert "不是有效的中国大陆手机号码" in html(response)


# --- guardians --------------------------------------------------------------------------------


def test_it_searches_guardians_by_name_and_mobile(admin_client, demo):
    page = html(admin_client.get(url("guardian-list"), {"q": "刘海燕"}))
    assert "刘海燕" in page and "刘子涵" in page and "刘浩然" in page
    page = html(admin_client.get(url("guardian-list"), {"q": "13900000002"}))
    assert "陈建国" in page and "刘海燕" not in page
    response = admin_client.get(url("guardian-list"), {"q": "杨丽娟"})  # s2's parent
    assert response.context["page"].paginator.count == 0


def test_it_pages_guardians_with_constant_queries(admin_client, demo):
    group = fresh_class(demo)
    grow_class(group, 20)
    small, page = count_queries(admin_client, url("guardian-list") + "?q=家长")
    assert "20 名监护人" in page
    grow_class(group, 200)
    large, page = count_queries(admin_client, url("guardian-list") + "?q=家长")
    assert small == large <= 12
    assert "第 1 页，共 4 页" in page


def test_a_guardians_page_shows_only_this_schools_children(admin_client, demo):
    guardian = Guardian.objects.get(mobile="13900000001")
    s2_child = Student.objects.filter(school=demo.school("s2")).exclude(name="杨一诺").first()
    Guardianship.objects.create(guardian=guardian, student=s2_child, relationship="姑姑")
    page = html(admin_client.get(url("guardian-detail", guardian_code=guardian.code)))
    assert "刘子涵" in page and "刘浩然" in page
    assert s2_child.name not in page


# --- pick-up persons --------------------------------------------------------------------------


def test_it_filters_pickups_by_state_and_search(admin_client, demo):
    child = demo.child("刘子涵")
    grandma = AuthorizedPickup.objects.get(student=child, name="刘桂兰")
    other = AuthorizedPickup.objects.filter(student__school=demo.school("s1")).exclude(student=child).first()
    services.pickup_restrict(pickup=grandma, reason="法院裁定", actor=demo.user("s1_admin"))
    services.pickup_end(pickup=other, actor=demo.user("s1_admin"))

    def names(**params):
        response = admin_client.get(url("pickup-list"), params)
        return {(p.student.name, p.name) for p in response.context["page"].object_list}, response

    restricted, response = names(state="restricted")
    assert restricted == {("刘子涵", "刘桂兰")} and "法院裁定" in html(response)
    ended, _ = names(state="ended")
    assert ended == {(other.student.name, other.name)}
    valid, _ = names(state="valid")
    assert ("刘子涵", "刘桂兰") not in valid and (other.student.name, other.name) not in valid
    assert all(
        p.is_valid_on(timezone.localdate())
        for p in AuthorizedPickup.objects.filter(
            name__in=[n for _c, n in valid], student__name__in=[c for c, _n in valid]
        )
    )
    found, _ = names(q="刘子涵")
    assert found == {("刘子涵", "刘桂兰")}
    found, _ = names(q=grandma.mobile[-4:])
    assert ("刘子涵", "刘桂兰") in found
    response = admin_client.get(url("pickup-list"))
    assert {p.student.school_id for p in response.context["page"].object_list} == {demo.school("s1").pk}


def test_it_pages_pickups_with_constant_queries(admin_client, demo):
    group = fresh_class(demo)
    path = url("pickup-list") + "?q=接送"
    grow_class(group, 20)
    small, page = count_queries(admin_client, path)
    assert "20 名接送人" in page
    grow_class(group, 200)
    large, page = count_queries(admin_client, path)
    assert small == large <= 12
    assert "第 1 页，共 4 页" in page


def test_it_restricts_a_pickup_with_a_reason_and_lifts_it(admin_client, demo):
    pickup = AuthorizedPickup.objects.get(student=demo.child("刘子涵"), name="刘桂兰")
    response = admin_client.post(url("pickup-restrict", pickup_code=pickup.code), {"reason": "  "})
    assert response.status_code == 200 and "这个字段是必填项" in html(response)  # Django's wording
    response = admin_client.post(url("pickup-restrict", pickup_code=pickup.code), {"reason": "监护权纠纷"})
    assert response.status_code == 302
    pickup.refresh_from_db()
    assert pickup.restricted and pickup.restriction_reason == "监护权纠纷"
    assert not pickup.is_valid_on(timezone.localdate())
    response = admin_client.post(url("pickup-unrestrict", pickup_code=pickup.code))
    assert response.status_code == 302
    pickup.refresh_from_db()
    assert not pickup.restricted and pickup.is_valid_on(timezone.localdate())
    assert admin_client.get(url("pickup-unrestrict", pickup_code=pickup.code)).status_code == 405


# --- school settings (H1) ---------------------------------------------------------------------


def test_it_records_that_the_school_does_not_offer_the_service_with_an_explanation(admin_client, demo):
    response = admin_client.post(url("school-settings"), {"explanation": ""})
    assert response.status_code == 200
    assert "不开展课后服务的学校须向家长说明原因。" in html(response)
    assert demo.school("s1").offers_service
    response = admin_client.post(url("school-settings"), {"explanation": "场地改造，本学期暂停。"})
    assert response.status_code == 302
    school = demo.school("s1")
    assert not school.offers_service and school.no_service_explanation == "场地改造，本学期暂停。"
    response = admin_client.post(url("school-settings"), {"offers_service": "on", "explanation": ""})
    assert demo.school("s1").offers_service


def test_an_admin_of_several_schools_picks_one(client, demo):
    user = demo.user("s1_admin")
    services.membership_add(user=user, role=Role.SCHOOL_ADMIN, school=demo.school("s2"), actor=None)
    client.force_login(user)
    s2 = demo.school("s2")
    page = html(client.get(url("student-list"), {"school": s2.code, "q": "杨一诺"}))
    assert "杨一诺" in page
    assert client.get(url("student-list"), {"school": demo.school("s3").code}).status_code == 404
    assert client.get(url("student-list"), {"school": "not-a-code"}).status_code == 404


# --- scope: every admin page answers 404 outside the admin's school and to other roles --------


def admin_pages(demo, key="s1"):
    school = demo.school(key)
    child = Student.objects.filter(school=school).order_by("pk").first()
    pickup = AuthorizedPickup.objects.filter(student__school=school).order_by("pk").first()
    guardian = Guardian.objects.filter(guardianship__student=child).first()
    membership = Membership.objects.filter(school=school, role=Role.SCHOOL_ADMIN).first()
    group = child.class_group
    return [
        ("get", url("class-detail", class_code=group.code)),
        ("post", url("class-detail", class_code=group.code)),
        ("post", url("membership-remove", membership_code=membership.code)),
        ("get", url("student-detail", student_code=child.code)),
        ("get", url("student-edit", student_code=child.code)),
        ("post", url("student-edit", student_code=child.code)),
        ("get", url("guardian-add", student_code=child.code)),
        ("post", url("guardian-add", student_code=child.code)),
        ("get", url("guardian-detail", guardian_code=guardian.code)),
        ("get", url("pickup-restrict", pickup_code=pickup.code)),
        ("post", url("pickup-restrict", pickup_code=pickup.code)),
        ("post", url("pickup-unrestrict", pickup_code=pickup.code)),
    ]


LIST_PAGES = ["class-list", "staff-list", "student-list", "guardian-list", "pickup-list", "school-settings"]


def test_another_schools_admin_gets_404_on_every_object_page(client, demo):
    client.force_login(demo.user("s2_admin"))
    for method, path in admin_pages(demo, "s1"):
        assert getattr(client, method)(path).status_code == 404, (method, path)


@pytest.mark.parametrize("username", ["s1_head31", "s1_parent", "s1_staff", "s1_guard", "zy_bureau"])
def test_other_roles_get_404_on_every_admin_page(client, demo, username):
    client.force_login(demo.user(username))
    for name in LIST_PAGES:
        assert client.get(url(name)).status_code == 404, name
        # Search pages take GET only (405 before any role check).
        assert client.post(url(name), {"grade": "1", "number": "9"}).status_code in {404, 405}, name
    for method, path in admin_pages(demo, "s1"):
        assert getattr(client, method)(path).status_code == 404, (method, path)
    assert not ClassGroup.objects.filter(grade=1, number=9).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    response = client.get(url("student-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_out_of_scope_writes_change_nothing(client, demo):
    pickup = AuthorizedPickup.objects.filter(student__school=demo.school("s1")).first()
    client.force_login(demo.user("s2_admin"))
    client.post(url("pickup-restrict", pickup_code=pickup.code), {"reason": "x"})
    pickup.refresh_from_db()
    assert not pickup.restricted
    membership = Membership.objects.get(user__username="s1_staff")
    client.post(url("membership-remove", membership_code=membership.code))
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_stored_number_that_fails_its_check_is_never_echoed_in_full(admin_client, demo):
    child = demo.child("刘浩然")
    good = valid_number(child)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")  # a wrong check digit
    Student.objects.filter(pk=child.pk).update(student_number=bad)
    data = {
        "class_group": child.class_group.pk,
        "name": child.name,
        "gender": child.gender,
        "student_number": "",
        "birth_date": child.birth_date.isoformat(),
    }
    page = html(admin_client.post(url("student-edit", student_code=child.code), data))
    assert bad not in page and bad[1:] not in page and "*" * 15 + bad[-4:] in page


def test_a_school_admin_who_is_a_parent_elsewhere_gets_no_admin_view_of_their_own_child(client, demo):
    parent = demo.user("s1_parent")
    services.membership_add(user=parent, role=Role.SCHOOL_ADMIN, school=demo.school("s2"), actor=None)
    client.force_login(parent)
    child = demo.child("刘子涵")
    assert client.get(url("student-detail", student_code=child.code)).status_code == 404
    assert client.get(url("class-detail", class_code=child.class_group.code)).status_code == 404
    assert client.get(url("family-child", student_code=child.code)).status_code == 200
