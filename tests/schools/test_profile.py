"""The profile page (accounts): one's own e-mail, language and message channels."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notices import services as notices
from notices.models import ChannelPreference
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("profile")


@pytest.fixture
def sms_on(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return settings


def test_it_saves_the_address_language_and_channels(client, sms_on):
    person = UserFactory(email="", mobile="13500135000", language="zh-hans")
    client.force_login(person)
    response = client.post(URL, {"email": "liu@example.cn", "language": "en", "channels": ["email", "sms"]})
    assert response.status_code == 302 and response.url == URL
    person.refresh_from_db()
    assert (person.email, person.language) == ("liu@example.cn", "en")
    assert notices.channel_preferences_get(person) == ["in_app", "email", "sms"]
    assert AuditEvent.objects.filter(actor=person, verb="user.profile_update").exists()
    assert AuditEvent.objects.filter(actor=person, verb="notices.channels_set").exists()
    page = client.get(URL).content.decode()
    assert 'value="liu@example.cn"' in page
    assert "13500135000" in page


def test_a_rejected_form_keeps_what_was_typed_and_saves_nothing(client, sms_on):
    person = UserFactory(email="old@example.cn", mobile=None, language="zh-hans")
    client.force_login(person)
    # SMS without a mobile number: the channel rules refuse, after the form itself was valid.
    response = client.post(URL, {"email": "typed@example.cn", "language": "en", "channels": ["sms"]})
    assert response.status_code == 200
    form = response.context["form"]
    assert "channels" in form.errors
    page = response.content.decode()
    assert 'value="typed@example.cn"' in page
    assert 'value="sms" checked' in page or ('value="sms"' in page and "checked" in page)
    assert form["language"].value() == "en"
    person.refresh_from_db()
    assert (person.email, person.language) == ("old@example.cn", "zh-hans")
    assert not ChannelPreference.objects.filter(user=person).exists()
    # A malformed address is the form's own error, and is kept too.
    response = client.post(URL, {"email": "not-an-address", "language": "zh-hans", "channels": ["email"]})
    assert "email" in response.context["form"].errors
    assert 'value="not-an-address"' in response.content.decode()


def test_e_mail_needs_an_address(client):
    person = UserFactory(email="")
    client.force_login(person)
    response = client.post(URL, {"email": "", "language": "zh-hans", "channels": ["email"]})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert notices.channel_preferences_get(person) == ["in_app", "email"]  # the default, unchanged
    assert not ChannelPreference.objects.filter(user=person).exists()


def test_it_never_shows_or_changes_another_persons_data(client):
    me = UserFactory(email="me@example.cn", mobile="13500135001")
    other = UserFactory(email="other@example.cn", mobile="13500135002")
    notices.wechat_openid_bind(user=other, openid="oOther-openid-42")
    client.force_login(me)
    # Whatever the request names, the page is the signed-in person's own.
    page = client.get(URL, {"user": other.pk, "username": other.username}).content.decode()
    assert "me@example.cn" in page and "13500135001" in page
    assert "other@example.cn" not in page and "13500135002" not in page
    client.post(URL, {"email": "new@example.cn", "language": "en", "channels": [], "user": other.pk})
    other.refresh_from_db()
    assert (other.email, other.language) == ("other@example.cn", "zh-hans")
    assert not ChannelPreference.objects.filter(user=other).exists()
    assert not ChannelPreference.objects.get(user=me).email


def test_it_asks_to_sign_in_first(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_demo_parent_has_an_address_channels_and_wechat(client, demo):
    parent = demo.user("s1_parent")
    client.force_login(parent)
    page = client.get(URL).content.decode()
    assert f'value="{parent.email}"' in page and parent.email
    assert notices.channel_preferences_get(parent)[:2] == ["in_app", "email"]
    assert notices.wechat_bound(parent)
    assert 'id="profile-wechat">已绑定' in page or 'id="profile-wechat">bound' in page
