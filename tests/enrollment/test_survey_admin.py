"""F12: school admins create, edit, open and close the demand survey (征求意见, M2) on a page, and
read its results; every step is audited; another school's admin gets 404 and changes nothing.
Parents see the register of qualified providers of their schools' region on a page of its own."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Term
from audit.models import AuditEvent
from enrollment import services
from enrollment.models import Survey
from tests.support.pages import assert_every_post_form_has_a_csrf_token

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"enrollment:{name}", kwargs=kwargs)


def html(response) -> str:
    return response.content.decode()


def local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def bare_term(demo):
    """A term of s1 without a survey (the demo's archived term)."""
    term = Term.objects.filter(school=demo.school("s1"), survey__isnull=True).order_by("-start").first()
    assert term is not None
    return term


def _verbs(term) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(term.code), verb__startswith="survey.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def test_the_list_shows_every_term_with_its_survey_state(admin, demo, term, bare_term):
    page = html(admin.get(url("admin-surveys")))
    assert term.name in page and bare_term.name in page
    assert f'data-term="{term.code}" data-state="closed"' in page  # the demo's survey closed before the term
    assert f'data-term="{bare_term.code}" data-state="none"' in page
    assert url("admin-survey-edit", term_code=bare_term.code) in page
    assert "金水区文化路小学" not in page


def test_an_admin_creates_a_survey_on_a_page(admin, demo, bare_term):
    opens = timezone.now() + datetime.timedelta(days=1)
    closes = opens + datetime.timedelta(days=10)
    form = html(admin.get(url("admin-survey-edit", term_code=bare_term.code)))
    assert 'name="opens_at"' in form and 'name="note"' in form
    assert_every_post_form_has_a_csrf_token(form)
    response = admin.post(
        url("admin-survey-edit", term_code=bare_term.code),
        {"opens_at": local(opens), "closes_at": local(closes), "note": "请填写孩子的需求。"},
    )
    assert response.status_code == 302
    survey = Survey.objects.get(term=bare_term)
    assert survey.note == "请填写孩子的需求。"
    assert local(survey.opens_at) == local(opens)
    assert _verbs(bare_term) == ["survey.create"]
    page = html(admin.get(url("admin-survey", term_code=bare_term.code)))
    assert 'data-state="scheduled"' in page and 'id="survey-open"' in page


def test_the_survey_must_close_after_it_opens(admin, demo, term):
    before = Survey.objects.get(term=term)
    response = admin.post(
        url("admin-survey-edit", term_code=term.code),
        {"opens_at": local(before.closes_at), "closes_at": local(before.opens_at), "note": ""},
    )
    assert response.status_code == 200
    assert "invalid-feedback" in html(response) or "alert" in html(response)
    after = Survey.objects.get(term=term)
    assert (after.opens_at, after.closes_at, after.note) == (before.opens_at, before.closes_at, before.note)
    assert _verbs(term) == []


def test_opening_and_closing_the_survey_reaches_the_parents(admin, client, demo, term):
    child = demo.child("刘子涵")
    response = admin.post(url("admin-survey-open", term_code=term.code))
    assert response.status_code == 302
    survey = Survey.objects.get(term=term)
    assert survey.opens_at <= timezone.now() < survey.closes_at
    assert 'data-state="open"' in html(admin.get(url("admin-survey", term_code=term.code)))
    # The parent now answers it.
    parent = client.__class__()
    parent.force_login(demo.user("s1_parent"))
    assert f'id="survey-{demo.school("s1").code}"' in html(parent.get(url("family")))
    services.survey_answer(
        survey=survey,
        student=child,
        guardian=demo.user("s1_parent").guardian,
        wants_service=True,
        days="135",
        latest_pickup=datetime.time(17, 30),
        interests=["sports"],
    )
    assert admin.post(url("admin-survey-close", term_code=term.code)).status_code == 302
    survey.refresh_from_db()
    assert survey.closes_at <= timezone.now()
    assert f'id="survey-{demo.school("s1").code}"' not in html(parent.get(url("family")))
    # The answer given while it was open is kept and counted in the results.
    page = html(admin.get(url("admin-survey", term_code=term.code)))
    assert 'data-state="closed"' in page and 'id="survey-open"' in page
    assert survey.responses.filter(student=child).exists()
    assert _verbs(term) == ["survey.open", "survey.close"]
    # Closing a closed survey is refused with a message; nothing is recorded.
    admin.post(url("admin-survey-close", term_code=term.code))
    assert _verbs(term) == ["survey.open", "survey.close"]


def test_another_schools_admin_gets_404_and_changes_nothing(client, demo, term, bare_term):
    client.force_login(demo.user("s2_admin"))
    before = Survey.objects.get(term=term)
    for name in ("admin-survey", "admin-survey-edit"):
        assert client.get(url(name, term_code=term.code)).status_code == 404
    assert (
        client.post(
            url("admin-survey-edit", term_code=bare_term.code),
            {
                "opens_at": local(timezone.now()),
                "closes_at": local(timezone.now() + datetime.timedelta(days=3)),
            },
        ).status_code
        == 404
    )
    for name in ("admin-survey-open", "admin-survey-close"):
        assert client.post(url(name, term_code=term.code)).status_code == 404
    after = Survey.objects.get(term=term)
    assert (after.opens_at, after.closes_at) == (before.opens_at, before.closes_at)
    assert not Survey.objects.filter(term=bare_term).exists()
    assert client.get(url("admin-surveys"), {"school": str(demo.school("s1").code)}).status_code == 404
    assert _verbs(term) == [] and _verbs(bare_term) == []


@pytest.mark.parametrize("username", ["s1_parent", "s1_staff", "s1_head31", "zz_bureau"])
def test_only_school_admins_reach_the_survey_pages(client, demo, term, username):
    client.force_login(demo.user(username))
    assert client.get(url("admin-surveys")).status_code in (403, 404)
    assert client.post(url("admin-survey-open", term_code=term.code)).status_code in (403, 404)


def test_parents_of_a_school_with_the_service_see_the_qualified_providers(client, demo):
    assert demo.school("s1").offers_service
    client.force_login(demo.user("s1_parent"))
    family = html(client.get(url("family")))
    assert url("providers") in family
    page = html(client.get(url("providers")))
    assert "中原区实验小学" in page
    assert "郑州市青少年体育俱乐部" in page  # registered with 郑州市, on s1's reporting chain
    assert "豫体培字〔2024〕0137号" in page
    assert "郑州市七彩艺术培训中心" not in page  # its qualification lapsed
    assert "金水区文化路小学" not in page
    home = html(client.get(reverse("home")))
    assert url("providers") in home


def test_providers_follow_the_reporting_chain_of_the_parents_school(client, demo):
    """巩义市 reports to the province, not to 郑州市: 郑州市's register is not s3's."""
    client.force_login(demo.user("s3_parent"))
    page = html(client.get(url("providers")))
    assert "巩义市紫荆路小学" in page
    assert "郑州市青少年体育俱乐部" not in page


def test_the_providers_page_is_for_parents(client, demo):
    client.force_login(demo.user("s1_admin"))
    assert client.get(url("providers")).status_code in (403, 404)
