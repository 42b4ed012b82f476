"""The demand survey on the phone: the open survey of the child's term, the answer through the web
page's form and service (a retry with the same Idempotency-Key writes once), the closed survey
refused, and another family's child answered 404 with nothing written."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Survey, SurveyResponse

pytestmark = pytest.mark.django_db


def survey_url(child):
    return reverse("api:parent-survey", kwargs={"student_code": child.code})


@pytest.fixture
def open_survey(term):
    now = timezone.now()
    survey, _created = Survey.objects.update_or_create(
        term=term,
        defaults={
            "opens_at": now - datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=1),
            "draft": False,
        },
    )
    return survey


ANSWER = {
    "wants_service": True,
    "days": ["1", "2"],
    "latest_pickup": "17:30",
    "interests": ["sports", "arts"],
}


def test_a_parent_reads_the_open_survey_and_answers_it(client, demo, open_survey, token_for):
    child = demo.child("刘子涵")
    headers = token_for(demo.user("s1_parent"))
    body = client.get(survey_url(child), **headers).json()
    assert body["open"] and body["term"] == open_survey.term.name and body["answer"] is None
    assert body["weekdays"] == list(open_survey.term.weekdays) and "sports" in body["interests"]

    response = client.post(survey_url(child), ANSWER, content_type="application/json", **headers)
    assert response.status_code == 200, response.json()
    assert response.json()["answer"] == ANSWER
    answer = SurveyResponse.objects.get(survey=open_survey, student=child)
    assert answer.wants_service and answer.days == "12" and answer.interests == ["sports", "arts"]
    assert answer.latest_pickup == datetime.time(17, 30)
    assert answer.guardian.user == demo.user("s1_parent")

    # The answer may change while the survey is open: still one row.
    changed = {**ANSWER, "wants_service": False}
    response = client.post(survey_url(child), changed, content_type="application/json", **headers)
    assert response.json()["answer"]["wants_service"] is False
    answer = SurveyResponse.objects.get(survey=open_survey, student=child)
    assert not answer.wants_service and answer.days == ""


def test_a_day_the_term_does_not_run_is_a_field_error_of_the_web_form(client, demo, open_survey, token_for):
    child = demo.child("刘子涵")
    response = client.post(
        survey_url(child),
        {**ANSWER, "days": ["1", "7"]},
        content_type="application/json",
        **token_for(demo.user("s1_parent")),
    )
    assert response.status_code == 400 and "days" in response.json()
    assert not SurveyResponse.objects.filter(survey=open_survey, student=child).exists()


def test_a_retry_with_the_same_idempotency_key_is_answered_from_the_first(
    client, demo, open_survey, token_for
):
    child = demo.child("刘子涵")
    headers = {**token_for(demo.user("s1_parent")), "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = client.post(survey_url(child), ANSWER, content_type="application/json", **headers)
    again = client.post(survey_url(child), ANSWER, content_type="application/json", **headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = client.post(
        survey_url(child), {**ANSWER, "days": ["3"]}, content_type="application/json", **headers
    )
    assert other.status_code == 422
    assert SurveyResponse.objects.get(survey=open_survey, student=child).days == "12"


def test_a_closed_survey_shows_closed_and_takes_no_answer(client, demo, term, token_for):
    child = demo.child("刘子涵")  # the demo's survey closed in August
    headers = token_for(demo.user("s1_parent"))
    body = client.get(survey_url(child), **headers).json()
    assert body["open"] is False and body["answer"] is None
    response = client.post(survey_url(child), ANSWER, content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["code"] == "closed"
    assert not term.survey.responses.filter(student=child).exists()


def test_another_familys_child_is_404_and_nothing_is_written(client, demo, open_survey, token_for):
    child = demo.child("刘子涵")
    headers = token_for(demo.user("s1_parent2"))
    assert client.get(survey_url(child), **headers).status_code == 404
    response = client.post(survey_url(child), ANSWER, content_type="application/json", **headers)
    assert response.status_code == 404
    assert not SurveyResponse.objects.filter(survey=open_survey, student=child).exists()
