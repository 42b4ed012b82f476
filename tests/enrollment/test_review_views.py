"""Class review pages: the queue of the teacher's own class (priority groups first, constant
queries), approve / return / decline, bulk approval, and nothing of another class."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from enrollment import selectors, services
from enrollment.models import Application
from tests.support.factories import GuardianshipFactory, StudentFactory
from tests.support.pages import assert_every_post_form_has_a_csrf_token

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"enrollment:{name}", kwargs=kwargs)


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def head31(client, demo):
    client.force_login(demo.user("s1_head31"))
    return client


def regular_names(demo, n):
    """Children of 三年级(1)班 in no priority group by the school's record."""
    return [s.name for s in demo.klass("s1", 3, 1).students.order_by("pk") if not s.is_priority][:n]


def queue_names(page: str) -> list[str]:
    return re.findall(r'class="fw-semibold me-1 child-name"[^>]*>([^<]+)<', page)


def more_children(demo, n):
    """Add n children (each with a guardian) to 三年级(1)班."""
    klass = demo.klass("s1", 3, 1)
    names = []
    for i in range(n):
        student = StudentFactory(class_group=klass, name=f"测试{i:02d}", birth_date=datetime.date(2018, 1, 1))
        GuardianshipFactory(
            student=student, guardian__name=f"家长{i:02d}", guardian__mobile=f"139990000{i:02d}"
        )
        names.append(student.name)
    return names


def test_it_lists_the_teachers_class_with_priority_groups_first(head31, demo, apply):
    early = [apply(child_name=name) for name in regular_names(demo, 3)]
    declared = apply(child_name=regular_names(demo, 4)[3], migrant=True, priority_consent=True)
    recorded = apply(child_name="刘子涵")  # a priority group by the school's own record
    apply(child_name="陈雨桐")  # 三年级(2)班
    page = html(head31.get(url("review")))
    names = queue_names(page)
    assert "陈雨桐" not in page
    assert set(names[:2]) == {declared.student.name, recorded.student.name}
    assert names[2:] == [a.student.name for a in early]  # then by submission time
    assert "进城务工人员随迁子女" in page
    assert 'name="application"' in page and "通过所选" in page
    assert_every_post_form_has_a_csrf_token(page)


def test_it_shows_a_declared_priority_group_only_with_its_consent(demo, apply):
    application = apply(child_name=regular_names(demo, 1)[0])
    application.left_behind, application.priority_consent = True, False  # as if consent were withdrawn
    assert selectors.priority_labels(application) == []
    application.priority_consent = True
    assert [str(label) for label in selectors.priority_labels(application)] == ["留守儿童"]


def test_the_queue_costs_the_same_queries_at_5_and_45_applications(head31, demo, apply):
    names = regular_names(demo, 15) + more_children(demo, 30)
    for name in names[:5]:
        apply(child_name=name)
    head31.get(url("review"))
    with CaptureQueriesContext(connection) as five:
        assert len(queue_names(html(head31.get(url("review"))))) == 5
    for name in names[5:45]:
        apply(child_name=name)
    # A request first: after a long build the staff idle clock writes the session once (at most once
    # a minute, schools.middleware), which is not the page's cost.
    head31.get(url("review"))
    with CaptureQueriesContext(connection) as forty_five:
        page = html(head31.get(url("review")))
    assert len(queue_names(page)) == 45
    assert len(forty_five) == len(five)


def test_a_class_teacher_approves_returns_and_declines(head31, demo, apply):
    first, second, third = (apply(child_name=n) for n in regular_names(demo, 3))
    detail = url("review-detail", application_code=first.code)
    page = html(head31.get(detail))
    assert first.student.name in page and "周一、周三、周五" in page
    assert_every_post_form_has_a_csrf_token(page)
    assert AccessLog.objects.filter(user=demo.user("s1_head31"), target_id=str(first.code)).exists()

    assert head31.post(detail, {"action": "approve"}).status_code == 302
    first.refresh_from_db()
    assert first.status == Application.Status.APPROVED and first.reviewed_by == demo.user("s1_head31")

    detail = url("review-detail", application_code=second.code)
    response = head31.post(detail, {"action": "return", "note": "  "})
    assert response.status_code == 200 and "请告诉家长需要修改什么。" in html(response)
    response = head31.post(detail, {"action": "return", "note": "请补充接送人", "next": "queue"})
    assert response["Location"] == url("review")
    second.refresh_from_db()
    assert second.status == Application.Status.RETURNED and second.review_note == "请补充接送人"

    detail = url("review-detail", application_code=third.code)
    response = head31.post(detail, {"action": "decline", "note": ""})
    assert "请向家长说明原因。" in html(response)
    head31.post(detail, {"action": "decline", "note": "家长确认不再需要"})
    third.refresh_from_db()
    assert third.status == Application.Status.DECLINED
    # A decided application is no longer in the queue but under its own tab.
    assert queue_names(html(head31.get(url("review")))) == []
    assert queue_names(html(head31.get(url("review") + "?status=returned"))) == [second.student.name]


def test_bulk_approve_approves_the_ticked_applications_of_the_class_only(head31, demo, apply):
    mine = [apply(child_name=n) for n in regular_names(demo, 3)]
    other_class = apply(child_name="陈雨桐")
    codes = [str(a.code) for a in mine[:2]] + [str(other_class.code), "not-a-code"]
    response = head31.post(url("review-bulk-approve"), {"application": codes})
    assert response.status_code == 302
    statuses = {a.pk: s for a, s in ((a, Application.objects.get(pk=a.pk).status) for a in mine)}
    assert [statuses[a.pk] for a in mine] == ["approved", "approved", "submitted"]
    other_class.refresh_from_db()
    assert other_class.status == Application.Status.SUBMITTED


def test_s1_head31_never_sees_an_application_of_the_other_class(head31, demo, apply):
    application = apply(child_name="陈雨桐")
    detail = url("review-detail", application_code=application.code)
    assert head31.get(detail).status_code == 404
    for action in ("approve", "return", "decline"):
        assert head31.post(detail, {"action": action, "note": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    for status in Application.Status.values:
        assert "陈雨桐" not in html(head31.get(url("review") + f"?status={status}"))
    # Its own class teacher sees and reviews it.
    head31.force_login(demo.user("s1_head32"))
    assert "陈雨桐" in html(head31.get(url("review")))
    assert head31.post(detail, {"action": "approve"}).status_code == 302


def test_only_class_teachers_open_the_review_pages(client, demo, apply):
    application = apply()
    for username in ("s1_parent", "s1_admin", "s1_staff", "zy_bureau"):
        client.force_login(demo.user(username))
        assert client.get(url("review")).status_code == 404, username
        assert client.get(url("review-detail", application_code=application.code)).status_code == 404
        assert (
            client.post(url("review-bulk-approve"), {"application": [str(application.code)]}).status_code
            == 404
        )
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_approving_in_a_reviewed_second_round_takes_the_seat(
    head31, demo, term, window, apply, grade3_groups
):
    services.placement_run(term=term, actor=demo.user("s1_admin"))
    services.placement_publish(term=term, actor=demo.user("s1_admin"))
    services.second_round_open(term=term, needs_review=True, actor=demo.user("s1_admin"))
    application = apply(groups=[grade3_groups[0]])
    assert application.status == Application.Status.SUBMITTED
    assert "补报" in html(head31.get(url("review")))
    head31.post(url("review-detail", application_code=application.code), {"action": "approve"})
    assert application.placements.get().status == "placed"
