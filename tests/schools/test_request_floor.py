"""F18: the fixed cost of a signed-in request. The session (cached_db) and the account state
(schools.account_state: the user, the scope's and the gates' facts) come from the shared cache:
no query when warm, one when the account state is cold (the user row joined to one UNION for the
facts), two when the cache lost the session too. Every change that concerns an account takes effect on its
next request, also when another process made it (a new cache client)."""

import pytest
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.urls import include, path, reverse
from django.views.decorators.http import require_GET

from privacy import services as privacy
from privacy.models import ConsentRecord
from schools import access, account_state, services
from schools.models import Guardianship, Role


@require_GET
def hello(request):
    """The cheapest page a signed-in user can ask for: who, which roles, how many children."""
    if not request.user.is_authenticated:
        return HttpResponse("anonymous")
    s = access.scope(request.user)
    return HttpResponse(f"{request.user.pk} {','.join(sorted(s.roles))} {len(s.child_ids)}")


urlpatterns = [path("floor-hello/", hello, name="floor-hello"), path("", include("afterschool.urls"))]

pytestmark = pytest.mark.urls(__name__)


def say(client) -> str:
    response = client.get("/floor-hello/")
    if response.status_code == 302:
        return f"redirect {response['Location']}"
    return response.content.decode()


def other_process():
    """What another worker sees: a fresh cache client, nothing kept from this one's memory."""
    caches["default"] = caches.create_connection("default")


@pytest.fixture
def mother(client, demo):
    user = demo.user("s1_parent")
    client.force_login(user)
    assert say(client) == f"{user.pk} parent 2"
    return user


def test_a_warm_request_costs_no_query(client, mother, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert say(client) == f"{mother.pk} parent 2"


def test_a_cold_account_state_costs_one_query(client, mother, django_assert_num_queries):
    account_state.bump(mother.pk)
    with django_assert_num_queries(1):  # the user joined to one UNION for memberships, children, consent
        assert say(client) == f"{mother.pk} parent 2"
    with django_assert_num_queries(0):
        say(client)


def test_an_empty_cache_adds_only_the_session_row(client, mother, django_assert_num_queries):
    cache.clear()
    with django_assert_num_queries(2):  # the session row; the user with the facts
        assert say(client) == f"{mother.pk} parent 2"
    with django_assert_num_queries(0):
        say(client)


@pytest.mark.parametrize("login", ["s1_admin", "s1_staff", "zy_bureau", "admin"])
def test_staff_with_no_children_cost_the_same(client, demo, login, django_assert_num_queries):
    """No facts of some kinds (no guardian, no children): the user's row still comes back."""
    user = demo.user(login)
    client.force_login(user)
    expected = say(client)
    assert expected.startswith(f"{user.pk} ")
    cache.clear()
    with django_assert_num_queries(2):
        assert say(client) == expected
    with django_assert_num_queries(0):
        assert say(client) == expected


def test_a_membership_change_after_an_empty_cache_counts_on_the_next_request(
    client, demo, mother, django_assert_num_queries
):
    cache.clear()
    say(client)
    services.membership_add(user=mother, role=Role.SERVICE_TEACHER, actor=None, school=demo.school("s1"))
    other_process()
    with django_assert_num_queries(1):
        assert say(client) == f"{mother.pk} parent,service_teacher 2"


def test_a_consent_change_counts_on_the_next_request_at_the_same_cost(
    client, mother, django_assert_num_queries
):
    guardian = mother.guardian
    if not ConsentRecord.objects.filter(guardian=guardian, withdrawn_at=None).exists():
        privacy.notice_accept(guardian=guardian, keep_sensitive=False)
    say(client)
    privacy.notice_publish(title="隐私政策", body="第二版")
    other_process()
    with django_assert_num_queries(1):
        assert say(client) == f"redirect {reverse('privacy:notice')}"


def test_an_inactive_user_after_an_empty_cache_is_signed_out(client, mother):
    type(mother).objects.filter(pk=mother.pk).update(is_active=False)
    cache.clear()
    assert say(client) == "anonymous"


def test_a_new_role_counts_on_the_next_request_in_another_process(client, demo, mother):
    services.membership_add(user=mother, role=Role.SERVICE_TEACHER, actor=None, school=demo.school("s1"))
    other_process()
    assert say(client) == f"{mother.pk} parent,service_teacher 2"


def test_an_ended_or_restricted_guardianship_counts_on_the_next_request(client, demo, mother):
    admin = demo.user("s1_admin")
    first, second = Guardianship.objects.filter(guardian__user=mother).order_by("pk")[:2]
    services.guardianship_end(link=first, reason="court order", actor=admin)
    other_process()
    assert say(client) == f"{mother.pk} parent 1"
    services.guardianship_restrict(link=second, reason="court order", actor=admin)
    other_process()
    assert say(client) == f"{mother.pk} parent 0"


def test_a_guardianship_changed_in_the_admin_counts_too(client, mother):
    """A save outside the services (the Django admin) bumps through the model hooks."""
    link = Guardianship.objects.filter(guardian__user=mother).order_by("pk").first()
    link.restricted = True
    link.restriction_reason = "court order"
    link.save()
    other_process()
    assert say(client) == f"{mother.pk} parent 1"


def test_a_new_privacy_notice_and_its_acceptance_count_on_the_next_request(client, mother):
    guardian = mother.guardian
    if not ConsentRecord.objects.filter(guardian=guardian, withdrawn_at=None).exists():
        privacy.notice_accept(guardian=guardian, keep_sensitive=False)
    privacy.notice_publish(title="隐私政策", body="第二版")
    other_process()
    assert say(client) == f"redirect {reverse('privacy:notice')}"
    privacy.notice_accept(guardian=guardian, keep_sensitive=False)
    other_process()
    assert say(client) == f"{mother.pk} parent 2"


def test_a_password_change_or_deactivation_signs_the_session_out(client, demo, mother):
    mother.set_password("a-new-secret-2026")
    mother.save()
    other_process()
    assert say(client) == "anonymous"
    father = demo.user("s1_parent2")
    client.force_login(father)
    assert say(client).startswith(f"{father.pk} parent")
    father.is_active = False
    father.save(update_fields=["is_active"])  # the session hash does not change: only the stamp
    other_process()
    assert say(client) == "anonymous"


def test_the_first_page_after_sign_in_is_already_warm(client, demo, django_assert_num_queries):
    father = demo.user("s1_parent2")
    client.force_login(father)
    with django_assert_num_queries(0):
        assert say(client) == f"{father.pk} parent 1"
