import factory
from django.conf import settings

from schools.models import User

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
