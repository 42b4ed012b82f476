"""F14: pick-up validity has one home, the AuthorizedPickup queryset (state_on, valid_on), and the
row's state_on says the same in Python: restricted, ended, expired, upcoming, valid."""

import datetime

from django.utils import timezone

from schools.models import AuthorizedPickup


def test_the_query_and_the_row_agree_on_every_state(demo):
    child = demo.child("刘子涵")
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    base = AuthorizedPickup.objects.filter(student=child).first()
    now = timezone.now()

    def person(name, **values):
        defaults = {
            "student": child,
            "name": name,
            "relationship": "亲戚",
            "mobile": "13655550001",
            "id_last4": "1234",
            "valid_from": today - 10 * day,
            "added_by": base.added_by,
        }
        return AuthorizedPickup.objects.create(**(defaults | values))

    expected = {
        person("甲有效"): "valid",
        person("乙未到", valid_from=today + day): "upcoming",
        person("丙过期", valid_until=today - day): "expired",
        person("丁今天止", valid_until=today): "valid",
        person("戊已结束", ended_at=now): "ended",
        person("己被限制", restricted=True, restriction_reason="法院", ended_at=now): "restricted",
    }
    rows = AuthorizedPickup.objects.filter(pk__in=[p.pk for p in expected]).state_on(today)
    assert {p.name: p.state for p in rows} == {p.name: state for p, state in expected.items()}
    assert {p.name: p.state_on(today) for p in expected} == {p.name: s for p, s in expected.items()}
    valid = set(AuthorizedPickup.objects.filter(pk__in=[p.pk for p in expected]).valid_on(today))
    assert valid == {p for p, state in expected.items() if state == "valid"}
    assert all(p.is_valid_on(today) == (state == "valid") for p, state in expected.items())
    # An end stamped today ends the person today; tomorrow the open-ended one is still valid.
    tomorrow = set(AuthorizedPickup.objects.filter(pk__in=[p.pk for p in expected]).valid_on(today + day))
    assert {p.name for p in tomorrow} == {"甲有效", "乙未到"}
