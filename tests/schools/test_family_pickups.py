"""Parents' pages (F2): their child's record and pick-up persons. A parent adds and ends pick-up
persons, sees a school's restriction (not its reason) and can never lift it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, AuditEvent
from schools import services
from schools.models import AuthorizedPickup

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent_client(client, demo):
    client.force_login(demo.user("s1_parent"))
    return client


def url(name, **kwargs):
    return reverse(f"schools:{name}", kwargs=kwargs)


def html(response) -> str:
    return response.content.decode()


def grandma(demo, child="刘子涵") -> AuthorizedPickup:
    return AuthorizedPickup.objects.get(student=demo.child(child), name="刘桂兰")


def test_it_shows_the_childs_record_and_logs_the_view(parent_client, demo, django_assert_max_num_queries):
    child = demo.child("刘子涵")
    with django_assert_max_num_queries(12):
        response = parent_client.get(url("family-child", student_code=child.code))
    page = html(response)
    assert response.status_code == 200
    assert "刘子涵" in page and "三年级(1)班" in page and "中原区实验小学" in page
    assert "刘桂兰" in page and "有效" in page
    assert child.masked_student_number in page and child.student_number not in page
    log = AccessLog.objects.filter(target_id=str(child.code)).first()
    assert log.user == demo.user("s1_parent") and log.path == url("family-child", student_code=child.code)


def test_it_shows_a_restriction_but_not_its_reason(parent_client, demo):
    pickup = grandma(demo)
    services.pickup_restrict(pickup=pickup, reason="法院禁止令", actor=demo.user("s1_admin"))
    page = html(parent_client.get(url("family-child", student_code=pickup.student.code)))
    assert "学校已限制此人接您的孩子。请联系学校。" in page
    assert "法院禁止令" not in page


def test_a_parent_adds_a_pickup_person_and_ends_one(parent_client, demo):
    child = demo.child("刘浩然")
    today = timezone.localdate()
    response = parent_client.post(
        url("family-pickup-add", student_code=child.code),
        {
            "name": "刘舅舅",
            "relationship": "舅舅",
            "mobile": "136 5555 7777",
            "id_last4": "123x",
            "valid_from": today.isoformat(),
            "valid_until": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("family-child", student_code=child.code)
    uncle = AuthorizedPickup.objects.get(student=child, name="刘舅舅")
    assert uncle.mobile == "13655557777" and uncle.id_last4 == "123X"
    assert uncle.added_by == demo.user("s1_parent") and uncle.is_valid_on(today)

    response = parent_client.post(url("family-pickup-end", pickup_code=uncle.code))
    assert response.status_code == 302
    uncle.refresh_from_db()
    assert uncle.ended_at is not None
    assert not uncle.is_valid_on(today)
    assert AuditEvent.objects.filter(verb="pickup.end", target_id=str(uncle.code)).exists()
    page = html(parent_client.get(url("family-child", student_code=child.code)))
    assert "已终止" in page
    # Ending twice says so and changes nothing.
    ended_at = uncle.ended_at
    response = parent_client.post(url("family-pickup-end", pickup_code=uncle.code), follow=True)
    assert "该授权已终止。" in html(response)
    uncle.refresh_from_db()
    assert uncle.ended_at == ended_at


def test_a_rejected_pickup_form_keeps_what_was_typed_and_explains_in_chinese(parent_client, demo):
    child = demo.child("刘子涵")
    before = AuthorizedPickup.objects.filter(student=child).count()
    response = parent_client.post(
        url("family-pickup-add", student_code=child.code),
        {
            "name": "王阿姨",
            "relationship": "保姆",
            "mobile": "12345",
            "id_last4": "5678",
            "valid_from": "2026-12-01",
            "valid_until": "2026-12-31",
        },
    )
    page = html(response)
    assert response.status_code == 200
    assert "“12345”不是有效的中国大陆手机号码。" in page
    for typed in ('value="王阿姨"', 'value="保姆"', 'value="12345"', 'value="5678"', 'value="2026-12-31"'):
        assert typed in page
    assert AuthorizedPickup.objects.filter(student=child).count() == before

    response = parent_client.post(
        url("family-pickup-add", student_code=child.code),
        {
            "name": "王阿姨",
            "relationship": "保姆",
            "mobile": "13655558888",
            "id_last4": "56",
            "valid_from": "2026-12-01",
            "valid_until": "",
        },
    )
    page = html(response)
    assert "请输入身份证号后4位（数字，末位可为X）。" in page
    response = parent_client.post(
        url("family-pickup-add", student_code=child.code),
        {
            "name": "王阿姨",
            "relationship": "保姆",
            "mobile": "13655558888",
            "id_last4": "5678",
            "valid_from": "2026-12-31",
            "valid_until": "2026-12-01",
        },
    )
    assert "结束日期不能早于开始日期。" in html(response)
    assert AuthorizedPickup.objects.filter(student=child).count() == before


def test_a_parent_may_end_a_restricted_pickup_but_it_stays_restricted(parent_client, demo):
    pickup = grandma(demo)
    services.pickup_restrict(pickup=pickup, reason="学校决定", actor=demo.user("s1_admin"))
    response = parent_client.post(url("family-pickup-end", pickup_code=pickup.code))
    assert response.status_code == 302
    pickup.refresh_from_db()
    assert pickup.ended_at is not None and pickup.restricted and pickup.restriction_reason == "学校决定"


def test_a_parent_can_never_lift_a_restriction(parent_client, demo):
    pickup = grandma(demo)
    services.pickup_restrict(pickup=pickup, reason="学校决定", actor=demo.user("s1_admin"))
    response = parent_client.post(url("pickup-unrestrict", pickup_code=pickup.code))
    assert response.status_code == 404
    response = parent_client.post(url("pickup-restrict", pickup_code=pickup.code), {"reason": "x"})
    assert response.status_code == 404
    pickup.refresh_from_db()
    assert pickup.restricted and pickup.restriction_reason == "学校决定"
    assert not AuditEvent.objects.filter(verb="pickup.unrestrict", target_id=str(pickup.code)).exists()


def test_the_family_sees_the_schools_explanation_when_it_offers_no_service(parent_client, demo):
    s4_child = demo.school("s4").students.order_by("pk").first()
    link = services.guardianship_add(
        student=s4_child, name="刘海燕", mobile="13900000001", relationship="姑姑", actor=None
    )
    services.guardian_link_decide(link=link, user=demo.user("s1_parent"), accept=True)
    page = html(parent_client.get(url("family-child", student_code=s4_child.code)))
    assert "学校本学期不开展课后服务。" in page
    assert "教学楼加固改造" in page


# --- scope ------------------------------------------------------------------------------------


def test_another_family_gets_404_and_changes_nothing(client, demo):
    pickup = grandma(demo)
    child = pickup.student
    client.force_login(demo.user("s1_parent2"))
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert client.get(url("family-child", student_code=child.code)).status_code == 404
    assert client.get(url("family-pickup-add", student_code=child.code)).status_code == 404
    response = client.post(
        url("family-pickup-add", student_code=child.code),
        {
            "name": "x",
            "relationship": "y",
            "mobile": "13655559999",
            "id_last4": "1234",
            "valid_from": "2026-12-01",
        },
    )
    assert response.status_code == 404
    assert client.post(url("family-pickup-end", pickup_code=pickup.code)).status_code == 404
    pickup.refresh_from_db()
    assert pickup.ended_at is None
    assert not AuthorizedPickup.objects.filter(mobile="13655559999").exists()
    assert not AccessLog.objects.filter(pk__gt=last, target_id=str(child.code)).exists()


@pytest.mark.parametrize("username", ["s1_admin", "s1_head31", "s1_guard", "s2_parent", "zy_bureau"])
def test_staff_and_other_families_get_404_on_family_pages(client, demo, username):
    pickup = grandma(demo)
    client.force_login(demo.user(username))
    assert client.get(url("family-child", student_code=pickup.student.code)).status_code == 404
    assert client.get(url("family-pickup-add", student_code=pickup.student.code)).status_code == 404
    assert client.post(url("family-pickup-end", pickup_code=pickup.code)).status_code == 404
    pickup.refresh_from_db()
    assert pickup.ended_at is None


def test_ending_needs_a_post(parent_client, demo):
    pickup = grandma(demo)
    assert parent_client.get(url("family-pickup-end", pickup_code=pickup.code)).status_code == 405
    pickup.refresh_from_db()
    assert pickup.ended_at is None


def test_a_pickup_that_starts_later_is_not_yet_valid(parent_client, demo):
    child = demo.child("刘子涵")
    later = timezone.localdate() + datetime.timedelta(days=10)
    parent_client.post(
        url("family-pickup-add", student_code=child.code),
        {
            "name": "刘姨妈",
            "relationship": "姨妈",
            "mobile": "13655550000",
            "id_last4": "4321",
            "valid_from": later.isoformat(),
        },
    )
    pickup = AuthorizedPickup.objects.get(name="刘姨妈")
    assert not pickup.is_valid_on(timezone.localdate()) and pickup.is_valid_on(later)
    assert "尚未生效" in html(parent_client.get(url("family-child", student_code=child.code)))
