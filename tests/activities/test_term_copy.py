"""F15: a new term from an earlier one: groups copied without sessions until confirmed, the notice
and survey carried over as drafts, refusals in Chinese, the page scoped to the school's admin."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities import selectors, services
from activities.models import ActivityGroup, Term
from audit.models import AuditEvent
from enrollment import selectors as enrollment_selectors
from enrollment import services as enrollment_services
from enrollment.models import ParentNotice, Survey
from schools.models import Membership

SPRING = dict(name="2027年春季学期", start=datetime.date(2027, 2, 22), end=datetime.date(2027, 7, 2))


@pytest.fixture
def autumn(demo):
    """s1's running term of the demo: groups, sessions, a published notice and a survey."""
    return Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")


def _publish_draft(term, admin):
    """The school admin publishes the notice carried over, as it was."""
    draft = enrollment_services.notice_draft(term)
    return enrollment_services.notice_publish(
        term=term,
        service_method=draft.service_method,
        content=draft.content,
        safety_measures=draft.safety_measures,
        actor=admin,
    )


def _shape(group: ActivityGroup) -> tuple:
    return (
        group.activity_id,
        group.lead_id,
        sorted(a.pk for a in group.assistants.all()),
        group.venue_id,
        group.grades,
        group.capacity,
        sorted((s.weekday, s.start, s.end) for s in group.slots.all()),
    )


def test_a_copied_term_has_the_same_groups_and_no_sessions_until_confirmed(demo, autumn):
    admin = demo.user("s1_admin")
    source_groups = {g.name: _shape(g) for g in autumn.groups.all()}
    assert source_groups and autumn.groups.first().sessions.exists()
    spring = services.term_copy(source=autumn, actor=admin, **SPRING)
    copied = {g.name: _shape(g) for g in spring.groups.all()}
    assert copied == source_groups
    assert (spring.weekdays, spring.day_start, spring.day_end) == (
        autumn.weekdays,
        autumn.day_start,
        autumn.day_end,
    )
    assert not spring.groups.filter(sessions__isnull=False).exists()
    assert set(spring.groups.values_list("sessions_pending", flat=True)) == {True}
    # Saving the term again (or a calendar change) does not generate them either.
    services.term_save(
        school=spring.school,
        name=spring.name,
        start=spring.start,
        end=spring.end,
        weekdays=spring.weekdays,
        day_start=spring.day_start,
        day_end=spring.day_end,
        actor=admin,
        term=spring,
    )
    assert not spring.groups.filter(sessions__isnull=False).exists()
    assert AuditEvent.objects.filter(verb="term.copy", changes__from="2026年秋季学期").exists()
    generated = services.term_sessions_confirm(term=spring, actor=admin)
    assert generated == len(source_groups)
    assert not spring.groups.filter(sessions_pending=True).exists()
    runnable = [g for g in spring.groups.select_related("activity") if services.activity_can_run(g.activity)]
    assert runnable and all(g.sessions.exists() for g in runnable)


def test_the_notice_and_survey_carry_over_as_drafts(demo, autumn):
    admin = demo.user("s1_admin")
    published = enrollment_services.notice_current(autumn)
    spring = services.term_copy(source=autumn, actor=admin, **SPRING)
    draft = ParentNotice.objects.get(term=spring)
    assert draft.draft and draft.content == published.content
    assert enrollment_services.notice_current(spring) is None
    survey = Survey.objects.get(term=spring)
    assert survey.draft
    assert enrollment_selectors.survey_state(survey, timezone.now()) == "draft"
    assert not enrollment_selectors.survey_is_open(survey, survey.opens_at)
    # Publishing replaces the draft with version 1; opening the survey ends its draft.
    notice = _publish_draft(spring, admin)
    assert notice.version == 1 and not ParentNotice.objects.filter(term=spring, draft=True).exists()
    enrollment_services.survey_open(survey=survey, actor=admin)
    survey.refresh_from_db()
    assert not survey.draft and enrollment_selectors.survey_is_open(survey, timezone.now())


def test_copying_twice_with_the_same_name_or_overlapping_dates_is_refused_in_chinese(demo, autumn):
    admin = demo.user("s1_admin")
    services.term_copy(source=autumn, actor=admin, **SPRING)
    with pytest.raises(ValidationError) as refused:
        services.term_copy(source=autumn, actor=admin, **SPRING)
    assert refused.value.code == "duplicate"
    assert "2027年春季学期" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        services.term_copy(source=autumn, actor=admin, **{**SPRING, "name": "2027年春季学期（二）"})
    assert refused.value.code == "overlap"
    assert Term.objects.filter(school=autumn.school, name__startswith="2027年春季学期").count() == 1


def test_a_lead_who_left_is_left_out_and_must_be_chosen_before_sessions(demo, autumn):
    admin = demo.user("s1_admin")
    group = autumn.groups.select_related("lead").order_by("name").first()
    Membership.objects.filter(user=group.lead, school=autumn.school).delete()
    preview = selectors.term_copy_preview(autumn)
    assert group.name in preview.no_lead
    spring = services.term_copy(source=autumn, actor=admin, **SPRING)
    copy = spring.groups.get(name=group.name)
    assert copy.lead is None and copy.sessions_pending
    with pytest.raises(ValidationError) as refused:
        services.term_sessions_confirm(term=spring, actor=admin)
    assert refused.value.code == "no_lead"
    assert not spring.groups.filter(sessions__isnull=False).exists()


def test_the_copy_page_previews_prefills_and_creates(client, demo, autumn):
    client.force_login(demo.user("s1_admin"))
    url = reverse("activities:term-copy", kwargs={"term_code": autumn.code})
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["preview"].groups == autumn.groups.count()
    assert page.context["form"]["name"].value() == "2027年春季学期"
    assert page.context["form"]["start"].value() > autumn.end
    response = client.post(url, {"name": SPRING["name"], "start": "2027-02-22", "end": "2027-07-02"})
    spring = Term.objects.get(school=autumn.school, name=SPRING["name"])
    assert response.status_code == 302
    assert response.url == reverse("activities:term-edit", kwargs={"term_code": spring.code})
    again = client.post(url, {"name": SPRING["name"], "start": "2027-02-22", "end": "2027-07-02"})
    assert again.status_code == 200
    assert again.context["form"].errors["name"]
    assert again.context["form"]["name"].value() == SPRING["name"]
    term_page = client.get(response.url)
    assert term_page.context["pending_groups"]
    client.post(reverse("activities:term-sessions-confirm", kwargs={"term_code": spring.code}))
    assert spring.groups.filter(sessions__isnull=False).exists()


def test_another_schools_admin_gets_404_on_the_copy_page(client, demo, autumn):
    client.force_login(demo.user("s2_admin"))
    url = reverse("activities:term-copy", kwargs={"term_code": autumn.code})
    assert client.get(url).status_code == 404
    assert client.post(url, {**SPRING, "start": "2027-02-22", "end": "2027-07-02"}).status_code == 404
    confirm = reverse("activities:term-sessions-confirm", kwargs={"term_code": autumn.code})
    assert client.post(confirm).status_code == 404
    assert not Term.objects.filter(name=SPRING["name"]).exists()


def test_a_parent_sees_the_copied_term_once_its_notice_is_published_and_its_window_open(client, demo, autumn):
    admin = demo.user("s1_admin")
    spring = services.term_copy(source=autumn, actor=admin, **SPRING)
    client.force_login(demo.user("s1_parent"))
    family = reverse("enrollment:family")
    assert "2027年春季学期" not in client.get(family).content.decode()
    notice = _publish_draft(spring, admin)
    now = timezone.now()
    enrollment_services.window_save(
        term=spring,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
        review_deadline=now + datetime.timedelta(days=10),
        tie_break="lottery",
        actor=admin,
    )
    page = client.get(family).content.decode()
    assert "2027年春季学期" in page and notice.content in page
    child = demo.child("刘子涵")
    enrollment_services.notice_acknowledge(notice=notice, guardian=child.guardians.first())
    page = client.get(family).content.decode()
    assert reverse("enrollment:apply", kwargs={"student_code": child.code}) in page
