"""factory_boy factories for what the demo (docs/demo.md) does not give: new users, staff, children and
their guardians. Passwords are hashed only where a test signs in with one (hashing is slow)."""

import datetime

import factory
from django.conf import settings

from schools.models import Guardian, Guardianship, Membership, Role, Student, User

PASSWORD = "Kf-test-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "张"
    first_name = factory.Sequence(lambda n: f"老师{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.edu.cn")
    language = settings.LANGUAGE_CODE
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    """A role at a school (or, for bureau officers, in a region), held by a new user without a
    usable password: tests sign staff in with force_login."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, password=None)
    role = Role.SERVICE_TEACHER


def staff(*, role=Role.SERVICE_TEACHER, school=None, region=None, **user_fields) -> User:
    """A new user holding one role at a school or in a region."""
    user_fields.setdefault("password", None)
    return MembershipFactory(user=UserFactory(**user_fields), role=role, school=school, region=region).user


class StudentFactory(factory.django.DjangoModelFactory):
    """A child of a class, written straight to the table (the roster import has its own tests)."""

    class Meta:
        model = Student

    class_group = None  # required: StudentFactory(class_group=...)
    school = factory.LazyAttribute(lambda s: s.class_group.school)
    name = factory.Sequence(lambda n: f"测试生{n}")
    gender = Student.Gender.FEMALE
    student_number = factory.Sequence(lambda n: f"F{n:09d}")
    birth_date = datetime.date(2017, 1, 1)


class GuardianFactory(factory.django.DjangoModelFactory):
    """A guardian with an account named by the mobile number, as activation makes them."""

    class Meta:
        model = Guardian

    mobile = factory.Sequence(lambda n: f"1399{n:07d}")
    name = factory.Sequence(lambda n: f"家长{n}")
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..mobile"), password=None)


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(GuardianFactory)
    student = factory.SubFactory(StudentFactory)
    relationship = "母亲"


class Demo:
    """Look-ups into the docs/demo.md data by its stable names."""

    SCHOOLS = {"s1": "4101020001", "s2": "4101050001", "s3": "4101810001", "s4": "4101020002"}

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def school(self, key: str):
        from schools.models import School

        return School.objects.get(identifier=self.SCHOOLS[key])

    def term(self, key: str):
        """The school's live term of today (the demo also keeps the term before it, archived)."""
        from django.utils import timezone

        from activities.models import Term
        from schools import schoolyear

        return Term.objects.get(school=self.school(key), name=schoolyear.live_term(timezone.localdate()).name)

    def klass(self, key: str, grade: int, number: int):
        from schools.models import ClassGroup

        return ClassGroup.objects.get(school=self.school(key), grade=grade, number=number)

    def child(self, name: str):
        from schools.models import Student

        return Student.objects.get(name=name)
