"""F12: every page that shows children's personal data writes the access log, one row per child
shown (PIPL), and the guardian sees who viewed their child's data (知情权)."""

import datetime
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from audit.models import AccessLog
from safety.models import IncidentChild
from schools.models import Student
from tests.support.attendance import DAY, at, care_in_session

pytestmark = pytest.mark.django_db


@dataclass
class Visit:
    username: str
    url: str
    expected: set  # codes of children the page must log
    names_on_page: bool = True  # an HTML page: every child logged must be named on it


def logged_by(client_get, visit: Visit, demo) -> tuple[set, str]:
    user = demo.user(visit.username)
    client = Client()
    client.force_login(user)
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client_get(client, visit.url)
    assert response.status_code == 200, (visit.url, response.status_code)
    rows = AccessLog.objects.filter(pk__gt=last, user=user, target_type="schools.student")
    codes = set(rows.values_list("target_id", flat=True))
    assert rows.count() == len(codes), "one row per child and page view"
    content = (
        "" if response.get("Content-Type", "").startswith("application/vnd") else response.content.decode()
    )
    return codes, content


def codes(students) -> set:
    return {str(s.code) for s in students}


@pytest.fixture
def care(demo):
    return care_in_session(demo)


def visits(demo, care) -> list[Visit]:
    s1 = demo.school("s1")
    klass = demo.klass("s1", 3, 1)
    incident = IncidentChild.objects.filter(incident__school=s1).select_related("incident").first().incident
    first_page = Student.objects.filter(school=s1).order_by(
        "class_group__grade", "class_group__number", "name", "pk"
    )[:50]
    return [
        # The class teacher's roster on the home page.
        Visit("s1_head31", reverse("home"), codes(Student.objects.filter(class_group=klass, active=True))),
        # The school admin's class and student lists.
        Visit(
            "s1_admin",
            reverse("schools:class-detail", kwargs={"class_code": klass.code}),
            codes(Student.objects.filter(class_group=klass)),
        ),
        Visit("s1_admin", reverse("schools:student-list"), codes(first_page)),
        # Roll call and the session's page, by the teacher leading it.
        Visit(
            care.lead.username,
            reverse("safety:roll-call", kwargs={"session_code": care.session.code}),
            codes(care.students),
        ),
        # The still-here board.
        Visit("s1_admin", reverse("safety:still-here"), codes(care.students)),
        # The class review queue.
        Visit("s1_head31", reverse("enrollment:review") + "?status=approved", set()),
        # An incident report naming children.
        Visit(
            "s1_admin",
            reverse("safety:incident-detail", kwargs={"incident_code": incident.code}),
            codes(c.student for c in incident.children_involved.all()),
        ),
        # Exports.
        Visit(
            "s1_admin",
            reverse("schools:roster-export"),
            codes(Student.objects.filter(school=s1, active=True)),
            names_on_page=False,
        ),
        Visit(
            "s1_admin",
            reverse("safety:records-export") + f"?start={DAY}&end={DAY}",
            codes(care.students),
            names_on_page=False,
        ),
        # The Django admin: a list and a child's change page.
        Visit(
            "admin",
            reverse("admin:schools_student_changelist") + f"?school__id__exact={s1.pk}&o=1.-7",
            set(),
        ),
        Visit(
            "admin",
            reverse("admin:schools_student_change", args=[demo.child("刘子涵").pk]),
            codes([demo.child("刘子涵")]),
            names_on_page=False,  # the name sits in a form field's value
        ),
        Visit("admin", reverse("admin:enrollment_placement_changelist"), set()),
    ]


def test_every_page_with_childrens_data_logs_each_child_it_shows(demo, care):
    with time_machine.travel(at(17, 40), tick=False):
        for visit in visits(demo, care):
            logged, content = logged_by(lambda client, url: client.get(url), visit, demo)
            assert logged, f"{visit.url} wrote no access rows"
            assert visit.expected <= logged, (visit.url, len(visit.expected - logged))
            if visit.names_on_page:
                names = dict(Student.objects.filter(code__in=logged).values_list("code", "name"))
                assert all(name in content for name in names.values()), visit.url


def test_the_review_queue_logs_the_children_of_its_applications(demo, client):
    head = demo.user("s1_head31")
    client.force_login(head)
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    shown = set()
    for status in ("submitted", "returned", "approved", "declined", "withdrawn"):
        response = client.get(reverse("enrollment:review"), {"status": status})
        shown |= codes(a.student for a in response.context["applications"])
    logged = set(
        AccessLog.objects.filter(pk__gt=last, user=head, path=reverse("enrollment:review")).values_list(
            "target_id", flat=True
        )
    )
    assert shown and shown == logged


def test_a_page_costs_one_insert_however_many_children(demo, client, django_assert_num_queries):
    client.force_login(demo.user("s1_admin"))
    url = reverse("schools:class-detail", kwargs={"class_code": demo.klass("s1", 3, 1).code})
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    inserts = [q for q in queries if q["sql"].startswith("INSERT") and "audit_accesslog" in q["sql"]]
    assert len(inserts) == 1


def test_the_rows_are_written_without_a_model_instance_each(demo, client, monkeypatch):
    client.force_login(demo.user("s1_admin"))
    klass = demo.klass("s1", 3, 1)
    url = reverse("schools:class-detail", kwargs={"class_code": klass.code})
    client.get(url)
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def built(*args, **kwargs):
        raise AssertionError("an AccessLog instance was built for a row")

    with monkeypatch.context() as patched:
        patched.setattr(AccessLog, "__init__", built)
        assert client.get(url).status_code == 200
    rows = AccessLog.objects.filter(pk__gt=last, path=url, target_type="schools.student")
    assert set(rows.values_list("target_id", flat=True)) == codes(Student.objects.filter(class_group=klass))
    assert rows.count() == Student.objects.filter(class_group=klass).count()


def test_a_complaint_logs_its_child_where_the_page_names_it(demo, client):
    from subsidies.models import Complaint

    officer = demo.user("zy_bureau")
    complaint = Complaint.objects.filter(school=demo.school("s1")).order_by("created").first()
    url = reverse("subsidies:complaint-detail", kwargs={"complaint_code": complaint.code})
    client.force_login(officer)
    last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(url)
    assert response.status_code == 200 and complaint.student.name in response.content.decode()
    rows = AccessLog.objects.filter(pk__gt=last, user=officer, target_type="schools.student")
    assert list(rows.values_list("target_id", flat=True)) == [str(complaint.student.code)]


# --- the guardian's page ------------------------------------------------------------------------


def test_a_guardian_sees_who_viewed_their_childs_data_by_role_and_school(demo, client):
    child = demo.child("刘子涵")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 9, 0, tzinfo=at(0).tzinfo), tick=False):
        for username, url in [
            ("s1_head31", reverse("home")),
            ("s1_admin", reverse("schools:student-detail", kwargs={"student_code": child.code})),
            ("admin", reverse("admin:schools_student_change", args=[child.pk])),
        ]:
            other = Client()
            other.force_login(demo.user(username))
            assert other.get(url).status_code == 200

    parent = demo.user("s1_parent")
    client.force_login(parent)
    child_page = client.get(
        reverse("schools:family-child", kwargs={"student_code": child.code})
    ).content.decode()
    link = reverse("schools:family-child-access", kwargs={"student_code": child.code})
    assert link in child_page
    page = client.get(link).content.decode()
    rows = page.split('id="access-log"')[1].split("<nav")[0]
    head = demo.user("s1_head31")
    assert f"{head.last_name}{head.first_name}" in rows and "班主任" in rows and "中原区实验小学" in rows
    assert "学校管理员" in rows and "平台管理员" in rows
    assert "2026-11-30 09:00" in rows
    assert "班主任首页的班级名单" in rows and "学生档案" in rows and "系统管理" in rows
    # The guardian's own views are not listed, and nobody sees another family's history.
    assert 'data-viewer-kind="guardian"' not in rows
    other_child = demo.child("陈雨桐")
    assert (
        client.get(
            reverse("schools:family-child-access", kwargs={"student_code": other_child.code})
        ).status_code
        == 404
    )
