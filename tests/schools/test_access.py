import pytest

from schools import access

pytestmark = pytest.mark.django_db

PERSONAS_SCHOOLS = {
    "hn_bureau": {"s1", "s2", "s3", "s4"},
    "zz_bureau": {"s1", "s2", "s4"},
    "zy_bureau": {"s1", "s4"},
    "gy_bureau": {"s3"},
    "s1_admin": {"s1"},
    "s2_admin": {"s2"},
    "s3_admin": {"s3"},
    "s1_head31": {"s1"},
    "s1_staff": {"s1"},
    "s1_guard": {"s1"},
    "s1_parent": {"s1"},
    "s2_parent": {"s2"},
}


@pytest.mark.parametrize("username,expected", PERSONAS_SCHOOLS.items())
def test_it_scopes_schools_by_role_and_reporting_chain(demo, username, expected):
    keys = {v: k for k, v in demo.SCHOOLS.items()}
    seen = {keys[s.identifier] for s in access.schools_for(demo.user(username))}
    assert seen == expected


def test_it_follows_the_province_administered_county_rule(demo):
    """巩义市 sits in 郑州市 but reports to the province: zz_bureau never sees s3, hn_bureau does."""
    gongyi = demo.school("s3").region
    assert gongyi.parent.name == "郑州市" and gongyi.reports_to.name == "河南省"
    assert not access.classes_for(demo.user("zz_bureau")).filter(school__region=gongyi).exists()
    assert access.classes_for(demo.user("hn_bureau")).filter(school__region=gongyi).count() == 12
    assert set(access.regions_for(demo.user("zz_bureau")).values_list("code", flat=True)) == {
        "4101",
        "410102",
        "410105",
    }


def test_it_gives_a_class_teacher_only_their_class(demo):
    teacher = demo.user("s1_head31")
    klass = demo.klass("s1", 3, 1)
    assert list(access.classes_for(teacher)) == [klass]
    students = access.students_for(teacher)
    assert students.count() == 20
    assert set(students.values_list("class_group", flat=True)) == {klass.pk}
    assert not access.students_for(teacher).filter(name="陈雨桐").exists()  # 三年级(2)班


def test_it_gives_a_parent_only_their_own_children(demo):
    names = set(access.students_for(demo.user("s1_parent")).values_list("name", flat=True))
    assert names == {"刘子涵", "刘浩然"}
    assert set(access.students_for(demo.user("s1_parent2")).values_list("name", flat=True)) == {"陈雨桐"}
    assert access.guardians_for(demo.user("s1_parent")).count() == 1


def test_it_shows_bureaus_schools_but_no_individual_children(demo):
    officer = demo.user("hn_bureau")
    assert access.schools_for(officer).count() == 4
    assert access.students_for(officer).count() == 0
    assert access.guardians_for(officer).count() == 0


def test_it_gives_a_school_admin_the_whole_school_and_nothing_else(demo):
    admin = demo.user("s1_admin")
    assert access.students_for(admin).count() == 240
    assert not access.students_for(admin).exclude(school=demo.school("s1")).exists()
    assert access.memberships_for(admin).exclude(school=demo.school("s1")).count() == 0
    assert access.pickups_for(admin).exclude(student__school=demo.school("s1")).count() == 0


def test_it_gives_anonymous_users_nothing(demo):
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    assert access.schools_for(anon).count() == 0
    assert access.students_for(anon).count() == 0


def test_it_reads_the_scope_in_a_constant_number_of_queries(demo, django_assert_num_queries):
    """One UNION query for the memberships, the guardian, the children and the consents (F18)."""
    user = demo.user("s1_parent")
    with django_assert_num_queries(1):
        access.scope(user)
    with django_assert_num_queries(1):
        list(access.students_for(user))


def test_every_demo_student_number_passes_its_own_validation(demo):
    from schools.models import Student
    from schools.validators import student_number_normalise

    numbers = list(Student.objects.values_list("student_number", flat=True))
    assert len(numbers) >= 960
    assert all(student_number_normalise(n) == n for n in numbers)
