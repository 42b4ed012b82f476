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
