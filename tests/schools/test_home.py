import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from schools import services
from schools.demo import Builder
from schools.models import AuthorizedPickup, Role, Student
from tests.support.factories import StudentFactory

pytestmark = pytest.mark.django_db

SCHOOL_NAMES = {
    "s1": "中原区实验小学",
    "s2": "金水区文化路小学",
    "s3": "巩义市紫荆路小学",
    "s4": "中原区西郊小学",
}
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ADMIN_PAGES = [
    "schools:class-list",
    "schools:student-list",
    "schools:staff-list",
    "schools:pickup-list",
    "schools:school-settings",
    "schools:roster-import",
]


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def bureau_school_url(demo, key):
    return reverse("schools:bureau-school", kwargs={"school_code": demo.school(key).code})


def schools_listed(body: str) -> set[str]:
    return {key for key, name in SCHOOL_NAMES.items() if name in body}


# --- bureau: the acceptance lines -----------------------------------------------------------


def test_it_shows_zz_bureau_s1_s2_s4_and_never_s3(client, demo):
    body = home(client, demo.user("zz_bureau"))
    assert schools_listed(body) == {"s1", "s2", "s4"}
    assert "郑州市" in body
    for key in ("s1", "s2", "s4"):
        assert client.get(bureau_school_url(demo, key)).status_code == 200
    assert client.get(bureau_school_url(demo, "s3")).status_code == 404


def test_it_shows_gy_bureau_only_s3(client, demo):
    body = home(client, demo.user("gy_bureau"))
    assert schools_listed(body) == {"s3"}
    assert client.get(bureau_school_url(demo, "s3")).status_code == 200
    for key in ("s1", "s2", "s4"):
        assert client.get(bureau_school_url(demo, key)).status_code == 404


def test_it_shows_hn_bureau_all_four_schools(client, demo):
    body = home(client, demo.user("hn_bureau"))
    assert schools_listed(body) == {"s1", "s2", "s3", "s4"}
    for key in SCHOOL_NAMES:
        assert client.get(bureau_school_url(demo, key)).status_code == 200


def test_it_shows_each_schools_counts_and_service_to_the_bureau(client, demo):
    body = home(client, demo.user("zy_bureau"))
    assert schools_listed(body) == {"s1", "s4"}
    rows = re.findall(r"<tr>\s*<td><a href=\"[^\"]+\">([^<]+)</a></td>(.*?)</tr>", body, re.S)
    cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", rest, re.S) for name, rest in rows}
    s1 = demo.school("s1")
    priority = sum(1 for s in Student.objects.filter(school=s1, active=True) if s.is_priority)
    assert [c.strip() for c in cells["中原区实验小学"]] == ["中原区", "是", "12", "240", str(priority)]
    assert "否" in cells["中原区西郊小学"][1]


def test_it_shows_the_bureau_a_schools_classes_as_counts_only(client, demo):
    client.force_login(demo.user("zy_bureau"))
    response = client.get(bureau_school_url(demo, "s1"))
    body = response.content.decode()
    assert "三年级(1)班" in body and "六年级(2)班" in body
    assert len(response.context["classes"]) == 12
    assert all(c.student_count == 20 for c in response.context["classes"])
    assert "刘子涵" not in body and "陈雨桐" not in body
    assert not re.search(r"G\d{10}", body)  # no student numbers, not even masked ones


def test_it_shows_the_bureau_why_a_school_offers_no_service(client, demo):
    client.force_login(demo.user("zy_bureau"))
    body = client.get(bureau_school_url(demo, "s4")).content.decode()
    assert "本学期不开展课后服务" in body and "教学楼加固改造" in body


def test_it_answers_404_on_the_bureau_page_to_other_roles(client, demo):
    for username in ("s1_admin", "s1_head31", "s1_parent", "s1_guard"):
        client.force_login(demo.user(username))
        assert client.get(bureau_school_url(demo, "s1")).status_code == 404


def test_it_refuses_to_change_anything_on_the_bureau_page(client, demo):
    client.force_login(demo.user("hn_bureau"))
    assert client.post(bureau_school_url(demo, "s1")).status_code == 405


def test_it_keeps_the_bureau_home_to_a_constant_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    client.force_login(demo.user("hn_bureau"))
    client.get(reverse("home"))
    # F17: the today list adds a fixed few (recent incidents, overdue rectifications, claims to decide).
    with django_assert_max_num_queries(16) as small:
        client.get(reverse("home"))
    n_small = len(small)  # now: the build's queries roll over the connection's query log
    Builder(students_per_class=1, extra_schools=36).build()
    client.get(reverse("home"))  # new regions: every account state is read afresh once (F18)
    with django_assert_max_num_queries(n_small) as large:
        response = client.get(reverse("home"))
    assert sum(len(t.schools) for t in response.context["bureau"]) == 40
    assert len(large) == n_small
    client.get(bureau_school_url(demo, "s1"))
    with django_assert_max_num_queries(10):
        client.get(bureau_school_url(demo, "s1"))


# --- parent ---------------------------------------------------------------------------------


def test_it_shows_a_parent_their_children_classes_teachers_and_pick_up_persons(client, demo):
    body = home(client, demo.user("s1_parent"))
    assert "刘子涵" in body and "刘浩然" in body
    assert "三年级(1)班" in body and "五年级(1)班" in body
    assert "中原区实验小学" in body
    head = demo.user("s1_head31")
    assert f"班主任：{head.last_name}{head.first_name}" in body
    assert "刘桂兰" in body and "奶奶" in body and "有效" in body
    assert "陈雨桐" not in body
    child_url = reverse("schools:family-child", kwargs={"student_code": demo.child("刘子涵").code})
    assert f'href="{child_url}"' in body


def test_it_shows_a_parent_ended_and_restricted_pick_up_persons(client, demo):
    child = demo.child("刘子涵")
    parent = demo.user("s1_parent")
    admin = demo.user("s1_admin")
    kept = AuthorizedPickup.objects.get(student=child)
    services.pickup_restrict(pickup=kept, reason="与监护人约定不符", actor=admin)
    ended = services.pickup_add(
        student=child,
        name="刘德福",
        relationship="爷爷",
        mobile="13812345678",
        id_last4="5678",
        valid_from=datetime.date(2026, 9, 1),
        valid_until=None,
        actor=parent,
    )
    services.pickup_end(pickup=ended, actor=parent)
    body = home(client, parent)
    assert "学校已限制" in body and "请联系学校" in body
    assert "与监护人约定不符" not in body  # the reason is the school's, not shown to families
    assert "刘德福" in body and "已终止" in body


def test_it_shows_a_parent_the_schools_explanation_when_it_offers_no_service(client, demo):
    child = Student.objects.filter(school=demo.school("s4")).order_by("pk").first()
    link = services.guardianship_add(
        student=child, name="孙丽", mobile="13912340004", relationship="母亲", actor=demo.user("s4_admin")
    )
    user = link.guardian.user
    user.must_change_password = False  # accounts made this way choose a password at first login
    user.save(update_fields=["must_change_password"])
    body = home(client, user)
    assert child.name in body and "中原区西郊小学" in body
    assert "本学期不开展课后服务" in body
    assert "教学楼加固改造" in body


def test_it_keeps_the_parent_home_to_a_constant_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    parent = demo.user("s1_parent")
    client.force_login(parent)
    client.get(reverse("home"))
    with django_assert_max_num_queries(15) as two:
        client.get(reverse("home"))
    third = Student.objects.filter(class_group=demo.klass("s1", 1, 1)).order_by("pk").first()
    link = services.guardianship_add(
        student=third, name="刘海燕", mobile="13900000001", relationship="母亲", actor=None
    )
    services.guardian_link_decide(link=link, user=parent, accept=True)
    n_two = len(two)
    # The new child shows on the very next page: the change bumped the cached account state (F18).
    assert len(client.get(reverse("home")).context["parent"]) == 3
    with django_assert_max_num_queries(n_two) as three:
        response = client.get(reverse("home"))
    assert len(response.context["parent"]) == 3
    assert len(three) == n_two


def test_it_reads_the_parent_home_in_three_queries_and_pending_links_only_when_there_are_some(
    client, demo, django_assert_num_queries
):
    """F18, warm: the children with their class teachers (one join), their pick-up persons, the
    unread count. The schools' pending links are read only when the account state has some."""
    parent = demo.user("s1_parent")
    client.force_login(parent)
    client.get(reverse("home"))
    with django_assert_num_queries(3):
        response = client.get(reverse("home"))
    head = demo.user("s1_head31")
    assert f"{head.last_name}{head.first_name}" in [c.class_teacher for c in response.context["parent"]]
    assert response.context["guardian_links"] == []
    third = Student.objects.filter(class_group=demo.klass("s1", 1, 1)).order_by("pk").first()
    link = services.guardianship_add(
        student=third, name="刘海燕", mobile="13900000001", relationship="母亲", actor=None
    )
    client.get(reverse("home"))  # the link bumped the account state: read afresh once
    with django_assert_num_queries(4):
        response = client.get(reverse("home"))
    assert [pending.pk for pending in response.context["guardian_links"]] == [link.pk]


# --- class teacher --------------------------------------------------------------------------


def test_it_shows_a_class_teacher_their_roster(client, demo):
    client.force_login(demo.user("s1_head31"))
    response = client.get(reverse("home"))
    body = response.content.decode()
    [roster] = response.context["class_teacher"]
    assert roster.class_group == demo.klass("s1", 3, 1)
    assert roster.total == 20 and body.count('<tr class="roster-row">') == 20
    assert "三年级(1)班" in body and "中原区实验小学" in body
    assert "20 名学生" in body
    assert "刘子涵" in body and "陈雨桐" not in body
    assert '刘海燕 (母亲)<br><span class="font-monospace">139****0001</span>' in body
    assert "13900000001" not in body
    child = demo.child("刘子涵")
    assert child.student_number not in body and child.masked_student_number in body


def test_it_shows_priority_group_badges_on_the_roster(client, demo):
    child = demo.child("刘子涵")
    Student.objects.filter(pk=child.pk).update(left_behind=True, migrant=False)
    body = home(client, demo.user("s1_head31"))
    row = re.search(r"刘子涵</div>.*?</tr>", body, re.S).group(0)
    assert "留守儿童" in row


def test_it_keeps_the_roster_to_a_constant_number_of_queries(client, demo, django_assert_max_num_queries):
    client.force_login(demo.user("s1_head32"))
    client.get(reverse("home"))
    with django_assert_max_num_queries(15) as twenty:
        client.get(reverse("home"))
    klass = demo.klass("s1", 3, 2)
    for i in range(5):
        student = StudentFactory(class_group=klass, name=f"新生{i}")
        services.guardianship_add(
            student=student, name=f"家长{i}", mobile=f"1381111000{i}", relationship="母亲", actor=None
        )
    with django_assert_max_num_queries(len(twenty)) as more:
        response = client.get(reverse("home"))
    assert response.context["class_teacher"][0].total == 25
    assert len(more) == len(twenty)


# --- service teacher, gate guard ------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_it_shows_the_service_teacher_their_school_and_today(client, demo):
    body = home(client, demo.user("s1_staff"))
    assert "中原区实验小学" in body
    assert "2026年11月29日 星期日" in body


@time_machine.travel(datetime.datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_it_shows_the_guard_the_children_with_pick_up_persons_valid_today(client, demo):
    today = datetime.date(2026, 11, 29)
    s1 = demo.school("s1")
    pickups = list(AuthorizedPickup.objects.filter(student__school=s1))
    services.pickup_end(pickup=pickups[0], actor=demo.user("s1_admin"))
    services.pickup_restrict(pickup=pickups[1], reason="学校限制", actor=demo.user("s1_admin"))
    expected = len(
        {p.student_id for p in AuthorizedPickup.objects.filter(student__school=s1) if p.is_valid_on(today)}
    )
    assert 0 < expected < len({p.student_id for p in pickups})
    client.force_login(demo.user("s1_guard"))
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert "中原区实验小学" in body and "2026年11月29日 星期日" in body
    assert f"{expected} 名学生今天有有效的授权接送人" in body


# --- school admin ---------------------------------------------------------------------------


def test_it_shows_the_school_admin_counts_and_service(client, demo):
    client.force_login(demo.user("s1_admin"))
    response = client.get(reverse("home"))
    body = response.content.decode()
    [summary] = response.context["school_admin"]
    assert summary.classes == 12 and summary.students == 240
    s1 = demo.school("s1")
    assert (
        dict(summary.priority_groups)["留守儿童"]
        == Student.objects.filter(school=s1, left_behind=True).count()
    )
    assert dict(summary.staff)["班主任"] == 12 and dict(summary.staff)["门卫"] == 1
    assert "本学期开展课后服务" in body
    assert re.search(r">12</div><div class=\"small text-secondary\">班级", body)
    assert re.search(r">240</div><div class=\"small text-secondary\">学生", body)
    for name in ADMIN_PAGES:
        try:
            url = reverse(name)
        except NoReverseMatch:  # that screen has not landed yet: no link, no error
            continue
        assert f'href="{url}"' in body, name


def test_it_shows_another_school_admin_only_their_school(client, demo):
    body = home(client, demo.user("s4_admin"))
    assert "中原区西郊小学" in body and "本学期不开展课后服务" in body
    assert "中原区实验小学" not in body


def test_it_keeps_the_school_admin_home_to_a_constant_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    client.force_login(demo.user("s2_admin"))
    client.get(reverse("home"))
    # The school section (4), the today list (sessions, leave, findings, alerts, terms, applications,
    # supervision findings: 7; more on a day with sessions, tests/safety/test_today_home.py), the
    # unread count once for the list and the navbar, the pending guardian links.
    with django_assert_max_num_queries(13) as before:
        client.get(reverse("home"))
    klass = services.class_create(school=demo.school("s2"), grade=6, number=3)
    for i in range(3):
        StudentFactory(class_group=klass, name=f"插班生{i}", gender="M", birth_date=datetime.date(2015, 1, 1))
    with django_assert_max_num_queries(len(before)):
        response = client.get(reverse("home"))
    assert response.context["school_admin"][0].classes == 13


# --- several roles, navigation, tags --------------------------------------------------------


def test_it_shows_every_section_of_a_user_with_two_roles(client, demo):
    parent = demo.user("s1_parent")
    services.membership_add(user=parent, role=Role.SERVICE_TEACHER, school=demo.school("s1"), actor=None)
    client.force_login(parent)
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert "parent" in response.context and "service_teacher" in response.context
    assert "我的孩子" in body and "刘子涵" in body
    assert "课后服务教师" in body


def test_it_shows_navigation_for_the_users_roles(client, demo):
    body = home(client, demo.user("s1_parent"))
    assert "我的孩子" in body and 'href="/#bureau"' not in body
    body = home(client, demo.user("zz_bureau"))
    assert 'href="/#bureau"' in body and "我的孩子" not in body
    body = home(client, demo.user("s1_head31"))
    assert 'href="/#my-class"' in body and "nav-school-admin" not in body
    body = home(client, demo.user("s1_admin"))
    nav = body[body.index('id="nav-main"') : body.index("</nav>")]
    assert "nav-school-admin" in nav or 'href="/#school-admin"' in nav


def test_it_renders_the_superusers_home_without_role_sections(client, demo):
    client.force_login(demo.user("admin"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "bureau" not in response.context and "parent" not in response.context


def test_url_if_exists_links_only_to_pages_that_exist(demo):
    template = Template(
        '{% load nav %}{% url_if_exists "schools:bureau-school" school_code=code as a %}'
        '{% url_if_exists "schools:no-such-page" as b %}{% url_if_exists "home" school_code=code as c %}'
        "[{{ a }}][{{ b }}][{{ c }}]"
    )
    code = demo.school("s1").code
    assert template.render(Context({"code": code})) == f"[/school/bureau/schools/{code}/][][/]"
