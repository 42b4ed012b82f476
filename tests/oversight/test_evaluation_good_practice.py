"""Good practice (经验做法, F8; H1 及时总结好的经验做法): school admins submit write-ups, a bureau
features one for the schools of its region, and only those schools' admins and teachers read it."""

import pytest
from django.urls import reverse

from notices.models import Notification
from oversight.models import GoodPractice

pytestmark = pytest.mark.django_db


def _detail(practice):
    return reverse("oversight:practice-detail", kwargs={"practice_code": practice.code})


def _submit(client, demo, username="s2_admin", title="课后托管的分层作业辅导"):
    client.force_login(demo.user(username))
    response = client.post(
        reverse("oversight:practice-new"),
        {"title": title, "summary": "按学习情况分层辅导", "body": "具体做法……"},
    )
    assert response.status_code == 302
    return GoodPractice.objects.get(title=title)


def test_a_school_submits_and_sees_its_status(client, demo):
    practice = _submit(client, demo)
    assert practice.status == "submitted" and practice.school == demo.school("s2")
    page = client.get(reverse("oversight:practice-list")).content.decode()
    assert "课后托管的分层作业辅导" in page and 'data-status="submitted"' in page


def test_a_featured_write_up_reaches_the_schools_of_the_region_only(client, demo):
    practice = _submit(client, demo)
    # Not featured yet: another school of the region does not see it.
    client.force_login(demo.user("s1_admin"))
    assert client.get(_detail(practice)).status_code == 404

    # 巩义市 is not above s2; 郑州市 is.
    client.force_login(demo.user("gy_bureau"))
    assert (
        client.post(
            reverse("oversight:practice-decide", kwargs={"practice_code": practice.code}), {"feature": "1"}
        ).status_code
        == 404
    )
    client.force_login(demo.user("zz_bureau"))
    response = client.post(
        reverse("oversight:practice-decide", kwargs={"practice_code": practice.code}), {"feature": "1"}
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == "featured" and practice.featured_region.code == "4101"
    assert Notification.objects.filter(
        recipient=demo.user("s2_admin"), kind="evaluation/practice_featured"
    ).exists()

    for username in ("s1_admin", "s1_head31", "s1_staff", "zy_bureau", "hn_bureau", "s2_admin"):
        client.force_login(demo.user(username))
        assert client.get(_detail(practice)).status_code == 200, username
        assert "课后托管的分层作业辅导" in client.get(reverse("oversight:practice-list")).content.decode(), (
            username
        )
    for username in ("s3_admin", "gy_bureau", "s1_guard", "s1_parent"):
        client.force_login(demo.user(username))
        assert client.get(_detail(practice)).status_code == 404, username
    client.force_login(demo.user("s3_admin"))
    assert "课后托管的分层作业辅导" not in client.get(reverse("oversight:practice-list")).content.decode()


def test_not_featuring_withdraws_it_from_the_region(client, demo):
    featured = GoodPractice.objects.get(status="featured")  # the demo's: s1's, featured by 郑州市
    client.force_login(demo.user("s2_admin"))
    assert client.get(_detail(featured)).status_code == 200
    client.force_login(demo.user("zz_bureau"))
    client.post(
        reverse("oversight:practice-decide", kwargs={"practice_code": featured.code}), {"feature": "0"}
    )
    featured.refresh_from_db()
    assert featured.status == "not_featured" and featured.featured_region is None
    client.force_login(demo.user("s2_admin"))
    assert client.get(_detail(featured)).status_code == 404


def test_teachers_read_but_cannot_submit_or_feature(client, demo):
    featured = GoodPractice.objects.get(status="featured")
    client.force_login(demo.user("s1_head31"))
    page = client.get(reverse("oversight:practice-list")).content.decode()
    assert featured.title in page and 'id="practice-new"' not in page
    assert client.get(reverse("oversight:practice-new")).status_code == 404
    assert 'id="practice-decide"' not in client.get(_detail(featured)).content.decode()
    assert (
        client.post(
            reverse("oversight:practice-decide", kwargs={"practice_code": featured.code}), {"feature": "0"}
        ).status_code
        == 404
    )


def test_the_demo_has_one_featured_and_one_waiting(demo):
    assert sorted(GoodPractice.objects.values_list("status", flat=True)) == ["featured", "submitted"]
