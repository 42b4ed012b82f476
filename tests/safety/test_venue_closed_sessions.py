"""F12: a venue closed by a critical inspection finding has its future sessions cancelled or moved
to another venue — the school admin chooses on a page — and their teachers and families are told."""

import pytest
from django.urls import reverse

from activities.models import ActivityGroup, Session, Venue
from enrollment.models import Placement
from notices.models import Notification
from safety import checklists
from safety.services import inspections as services
from safety.services.inspections import ItemCheck

pytestmark = pytest.mark.django_db


def _close(venue, admin, today):
    checks = [
        ItemCheck(item=key, result="ok")
        if key != "fire_exits"
        else ItemCheck(
            item=key, result="problem", note="安全出口被器材堵塞", severity="critical", deadline=today
        )
        for key, _label in checklists.checklist_for(venue.kind)
    ]
    return services.inspection_record(venue=venue, inspected_on=today, checks=checks, actor=admin)


@pytest.fixture
def gym(demo):
    return Venue.objects.get(school=demo.school("s1"), name="体育馆")


def _future(venue, today):
    return Session.objects.filter(venue=venue, date__gte=today, has_records=False)


def _family_of(group):
    placement = (
        Placement.objects.filter(group=group, status=Placement.Status.PLACED)
        .select_related("application__guardian__user")
        .order_by("pk")
    )
    for p in placement:
        days = {str(s.date.isoweekday()) for s in group.sessions.all()[:10]}
        if days & set(p.application.days):
            return p.application.guardian.user
    return None


def test_the_admin_cancels_the_closed_venues_future_sessions_and_those_concerned_are_told(client, demo, gym):
    from django.utils import timezone

    today = timezone.localdate()
    admin = demo.user("s1_admin")
    groups = list(ActivityGroup.objects.filter(pk__in=_future(gym, today).values("group_id")))
    assert groups, "the demo books the gym for the live term"
    family = next((f for f in (_family_of(g) for g in groups) if f), None)
    assert family is not None, "the demo places children in the gym's groups"
    _close(gym, admin, today)

    client.force_login(admin)
    url = reverse("activities:venue-sessions", kwargs={"venue_code": gym.code})
    page = client.get(url)
    assert page.status_code == 200 and 'id="venue-blocked"' in page.content.decode()
    response = client.post(url, {"relocate-action": "cancel", "relocate-reason": "场馆安全整改"})
    assert response.status_code == 302
    assert not _future(gym, today).exists()
    told = Notification.objects.filter(kind="activities/sessions_cancelled")
    assert told.filter(recipient=family).exists()
    assert "场馆安全整改" in told.get(recipient=family).body
    for group in groups:
        assert told.filter(recipient=group.lead).exists()


def test_the_admin_moves_them_to_another_venue_instead(client, demo, gym):
    from django.utils import timezone

    today = timezone.localdate()
    admin = demo.user("s1_admin")
    field = Venue.objects.get(school=demo.school("s1"), name="运动场")
    count = _future(gym, today).count()
    groups = list(ActivityGroup.objects.filter(pk__in=_future(gym, today).values("group_id")))
    _close(gym, admin, today)

    client.force_login(admin)
    url = reverse("activities:venue-sessions", kwargs={"venue_code": gym.code})
    response = client.post(url, {"relocate-action": "move", "relocate-to_venue": field.pk})
    assert response.status_code == 302
    assert not _future(gym, today).exists()
    assert Session.objects.filter(venue=field, group__in=groups, date__gte=today).count() == count
    assert set(
        ActivityGroup.objects.filter(pk__in=[g.pk for g in groups]).values_list("venue", flat=True)
    ) == {field.pk}
    moved = Notification.objects.filter(kind="activities/sessions_moved")
    assert (
        moved.filter(recipient=groups[0].lead).exists()
        and "运动场" in moved.filter(recipient=groups[0].lead).first().body
    )
    assert moved.exclude(recipient__in=[g.lead for g in groups]).exists()  # the families


def test_moving_needs_a_venue_and_other_schools_get_404(client, demo, gym):
    client.force_login(demo.user("s1_admin"))
    url = reverse("activities:venue-sessions", kwargs={"venue_code": gym.code})
    response = client.post(url, {"relocate-action": "move"})
    assert response.status_code == 400
    client.force_login(demo.user("s2_admin"))
    assert client.get(url).status_code == 404
