"""F17: an activity held for the bureau's content review goes to the officers of the school's bureau
(the nearest region on its chain with an active officer, as for claims and incidents), one notice
each in their language with a link to the review page; with nobody on the chain, nothing is sent
and the school is told; the school hears the decision with the officer's note."""

import pytest
from django.urls import reverse

from activities import region_services, services
from activities.models import Category
from notices.models import Notification
from schools.models import Region

pytestmark = pytest.mark.django_db

HELD = "activities/content_held"
TITLE = "数学同步辅导小组"


def _save(school, title, explanation="只做作业答疑", actor=None, **extra):
    return services.activity_save(
        school=school, title=title, category=Category.CLUBS, explanation=explanation, actor=actor, **extra
    )


def _told(kind=HELD):
    """This test's activity's notices by recipient (the demo holds one of its own)."""
    rows = Notification.objects.filter(kind=kind, title__contains=TITLE).select_related("recipient")
    return {n.recipient.username: n for n in rows}


def test_the_schools_bureau_officers_are_told_in_their_language_with_the_review_link(demo, s1):
    officer = demo.user("zy_bureau")
    officer.language = "en"
    officer.save(update_fields=["language"])
    activity = _save(s1, TITLE, actor=demo.user("s1_admin"))

    told = _told()
    assert set(told) == {"zy_bureau"}  # 中原区 decides for s1: not 郑州市, not the province
    notice = told["zy_bureau"]
    assert notice.link == reverse("activities:content-review", kwargs={"review_code": activity.code})
    assert "waiting for your review" in notice.title and "同步辅导" in notice.body
    assert "只做作业答疑" in notice.body
    assert activity.bureau_told is True

    # Saved again unchanged: still held, nobody is told twice.
    _save(s1, activity.title, explanation="", activity=activity, actor=demo.user("s1_admin"))
    assert Notification.objects.filter(kind=HELD, title__contains=TITLE).count() == 1


def test_a_county_without_an_officer_sends_it_up_its_chain(demo, s1):
    zhengzhou = Region.objects.get(code="4101")
    county = Region.objects.create(
        code="410103", name="二七区", level="county", parent=zhengzhou, reports_to=zhengzhou
    )
    s1.region = county
    s1.save(update_fields=["region"])
    _save(s1, TITLE)
    notice = _told()["zz_bureau"]
    assert set(_told()) == {"zz_bureau"}
    assert "等待您审核" in notice.title


def test_with_nobody_on_the_chain_nothing_is_sent_and_the_school_admin_is_warned(client, demo, s1):
    province = Region.objects.create(code="42", name="湖北省", level="province")
    county = Region.objects.create(
        code="420102", name="江岸区", level="county", parent=province, reports_to=province
    )
    s1.region = county
    s1.save(update_fields=["region"])
    activity = _save(s1, TITLE)
    assert activity.bureau_told is False and not _told()

    client.force_login(demo.user("s1_admin"))
    response = client.post(
        reverse("activities:activity-edit", kwargs={"activity_code": activity.code}),
        {
            "title": activity.title,
            "category": Category.CLUBS,
            "description": "加入预习",
            "explanation": "看图",
        },
        follow=True,
    )
    assert "officer account" in response.content.decode() or "开通" in response.content.decode()


def test_the_school_admin_hears_the_decision_with_the_officers_note(demo, s1):
    activity = _save(s1, TITLE, actor=demo.user("s1_admin"))
    region_services.activity_review_decide(
        activity=activity, approve=False, note="内容像学科辅导", actor=demo.user("zy_bureau")
    )
    notice = _told("activities/content_reviewed")["s1_admin"]
    assert "内容像学科辅导" in notice.body


def test_an_activity_held_through_the_django_admin_reaches_the_bureau_too(client, demo, s1):
    client.force_login(demo.user("admin"))
    response = client.post(
        reverse("admin:activities_activity_add"),
        {
            "school": s1.pk,
            "title": TITLE,
            "category": "clubs",
            "active": "on",
            "review_explanation": "只做作业答疑",
        },
    )
    assert response.status_code == 302
    assert set(_told()) == {"zy_bureau"}
