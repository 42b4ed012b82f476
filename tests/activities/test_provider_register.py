"""F17: the bureau's register of qualified providers: scope per region, the expiry alert (once per
provider and threshold), and only unexpired providers for schools and families."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import selectors, services_providers
from activities.models import Provider
from audit.models import AuditEvent
from notices.models import Notification
from schools.models import Region

pytestmark = pytest.mark.django_db


def _provider(region_code, licence, days, name="测试机构"):
    return Provider.objects.create(
        region=Region.objects.get(code=region_code),
        name=name,
        licence=licence,
        qualification="科技",
        valid_until=timezone.localdate() + datetime.timedelta(days=days),
    )


def test_the_officer_lists_and_creates_providers_of_their_region(client, demo):
    officer = demo.user("zy_bureau")
    client.force_login(officer)
    page = client.get(reverse("activities:provider-register"))
    assert "中原区青少年科技活动中心" in page.content.decode()
    assert "郑州市青少年体育俱乐部" not in page.content.decode()  # the city's register, not the county's
    response = client.post(
        reverse("activities:provider-create"),
        {
            "region": Region.objects.get(code="410102").code,
            "name": "中原区书法协会",
            "licence": "郑中文培字〔2026〕0001号",
            "qualification": "书法",
            "scope": "少儿书法",
            "valid_until": "2027-12-31",
        },
    )
    assert response.status_code == 302
    provider = Provider.objects.get(licence="郑中文培字〔2026〕0001号")
    assert provider.region.code == "410102" and provider.scope == "少儿书法"
    assert AuditEvent.objects.filter(verb="provider.create", target_id=str(provider.code)).exists()


def test_a_county_officer_cannot_touch_the_city_or_another_county(client, demo):
    city = Provider.objects.get(licence="豫体培字〔2024〕0137号")
    gongyi = _provider("410181", "巩义测试0001", 100)
    client.force_login(demo.user("zy_bureau"))
    for provider in (city, gongyi):
        url = reverse("activities:provider-edit", kwargs={"provider_code": provider.code})
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名"}).status_code == 404
    # A region code outside the officer's own is a field error, not a register entry.
    response = client.post(
        reverse("activities:provider-create"),
        {
            "region": Region.objects.get(code="4101").code,
            "name": "越权机构",
            "licence": "越权0001",
            "qualification": "x",
            "valid_until": "2027-12-31",
        },
    )
    assert response.status_code == 200 and not Provider.objects.filter(licence="越权0001").exists()
    # The city's officer sees the county's register as well.
    client.force_login(demo.user("zz_bureau"))
    assert (
        client.get(reverse("activities:provider-register")).content.decode().count("中原区青少年科技活动中心")
    )


def test_other_roles_do_not_reach_the_register(client, demo):
    client.force_login(demo.user("s1_admin"))
    assert client.get(reverse("activities:provider-register")).status_code == 404


def test_the_expiry_alert_is_sent_once_per_provider_and_threshold(demo):
    officer = demo.user("zy_bureau")
    provider = _provider("410102", "到期测试0001", 25, name="到期测试机构")
    kind = Notification.objects.filter(
        recipient=officer, kind="activities/provider_expiring", title__contains="到期测试机构"
    )
    services_providers.providers_expiry_alert()
    services_providers.providers_expiry_alert()
    assert kind.count() == 1  # 30-day threshold, once
    today = timezone.localdate()
    services_providers.providers_expiry_alert(today=today + datetime.timedelta(days=5))
    assert kind.count() == 1  # still within the same threshold
    services_providers.providers_expiry_alert(today=today + datetime.timedelta(days=19))  # 6 days left
    services_providers.providers_expiry_alert(today=today + datetime.timedelta(days=20))
    assert kind.count() == 2  # the 7-day threshold, once
    services_providers.providers_expiry_alert(today=today + datetime.timedelta(days=26))  # expired
    assert kind.count() == 2
    # Nobody else is told: not the city's officer, not another county's.
    assert not Notification.objects.filter(
        recipient=demo.user("gy_bureau"), kind="activities/provider_expiring"
    ).exists()
    assert provider.valid_until == today + datetime.timedelta(days=25)


def test_a_provider_far_from_expiry_raises_no_alert(demo):
    _provider("410102", "远期测试0001", 90, name="远期机构")
    services_providers.providers_expiry_alert()
    assert not Notification.objects.filter(title__contains="远期机构").exists()


def test_schools_and_families_see_only_unexpired_providers_of_their_chain(client, demo, s1):
    _provider("410102", "过期测试0001", -1, name="已过期机构")
    _provider("410181", "巩义测试0002", 100, name="巩义机构")
    names = {p.name for p in selectors.providers_for_school(s1)}
    assert "中原区青少年科技活动中心" in names and "郑州市青少年体育俱乐部" in names
    assert "已过期机构" not in names and "巩义机构" not in names
    client.force_login(demo.user("s1_parent"))
    page = client.get(reverse("enrollment:providers")).content.decode()
    assert "科学实验、机器人、航模" in page  # the scope of service is shown
    assert "已过期机构" not in page
