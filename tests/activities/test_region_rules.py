"""F17: the region's rules on the bureau's pages (inherited, shown with their source, only tightened)
and the bureau's content review of activities whose words may hide lessons."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities import region_services, rules, services
from activities.models import Activity, Category, RegionPolicy, Review, Term
from audit.models import AuditEvent
from notices.models import Notification
from privacy.models import RetentionPolicy
from schools.models import Region
from tests.support.factories import staff

pytestmark = pytest.mark.django_db


def _save(school, title, description="", explanation="", actor=None):
    return services.activity_save(
        school=school,
        title=title,
        category=Category.CLUBS,
        description=description,
        explanation=explanation,
        actor=actor,
    )


def _rules_kwargs(**values):
    base = dict(
        earliest_end=None,
        latest_end=None,
        weekdays="",
        tutoring_max_group=None,
        extra_terms="",
        watch_terms="",
        retention_months=None,
    )
    return {**base, **values}


# --- the word rule ------------------------------------------------------------------------------


def test_clear_words_are_still_refused(demo, s1):
    with pytest.raises(ValidationError) as exc:
        _save(s1, "四年级数学补课", explanation="只是作业答疑")
    assert exc.value.code == "extra_lessons"
    assert not Activity.objects.filter(title="四年级数学补课").exists()


def test_watch_words_ask_for_the_schools_explanation_then_hold_the_activity(demo, s1):
    with pytest.raises(ValidationError) as exc:
        _save(s1, "数学同步辅导小组")
    assert exc.value.code == "explanation_needed"
    assert "同步辅导" in exc.value.messages[0]
    activity = _save(s1, "数学同步辅导小组", explanation="只做作业答疑", actor=demo.user("s1_admin"))
    assert activity.review == Review.HELD
    assert activity.review_words == "同步辅导"
    assert activity.review_explanation == "只做作业答疑"
    assert not services.activity_can_run(activity)
    assert not Activity.objects.filter(services.runnable_q(), pk=activity.pk).exists()
    assert AuditEvent.objects.filter(verb="activity.review_held", target_id=str(activity.code)).exists()


@pytest.mark.parametrize(
    "description",
    ["本活动不讲授新课，只做游戏。", "严禁补课。", "不得组织同步辅导", "不搞提高班，自由阅读"],
)
def test_a_negated_phrase_does_not_count_whatever_the_word(demo, s1, description):
    activity = _save(s1, "快乐阅读", description=description)
    assert activity.review == Review.NONE
    assert services.activity_can_run(activity)


def test_a_negation_far_from_the_word_or_in_another_clause_does_not_excuse_it(demo, s1):
    assert rules.extra_lesson_terms_found(rules.policy_for(s1), "不少学生需要的补课") == ["补课"]
    assert rules.extra_lesson_terms_found(rules.policy_for(s1), "不收费，补课") == ["补课"]


def test_a_regions_own_watch_list_is_inherited_down_its_chain(demo, s1):
    zhengzhou = Region.objects.get(code="4101")
    RegionPolicy.objects.update_or_create(region=zhengzhou, defaults={"watch_terms": "思维训练"})
    held = _save(s1, "数学思维训练", explanation="以数学游戏为主")  # 中原区 under 郑州市
    assert held.review == Review.HELD
    s3 = demo.school("s3")  # 巩义市 reports to the province, not to 郑州市
    assert _save(s3, "数学思维训练").review == Review.NONE
    policy = rules.policy_for(s1)
    assert policy.term_regions["思维训练"] == "郑州市"
    assert "思维训练" not in rules.policy_for(s3).watch_terms


def test_an_approved_text_stays_approved_but_a_changed_one_is_held_again(demo, s1):
    activity = _save(s1, "衔接阅读营", explanation="读整本书")
    region_services.activity_review_decide(
        activity=activity, approve=True, note="", actor=demo.user("zy_bureau")
    )
    activity.refresh_from_db()
    same = services.activity_save(
        school=s1, title="衔接阅读营", category=Category.READING, actor=None, activity=activity
    )
    assert same.review == Review.APPROVED
    changed = services.activity_save(
        school=s1,
        title="衔接阅读营",
        category=Category.READING,
        description="增加预习",
        explanation="读整本书，预习只是浏览目录",
        actor=None,
        activity=same,
    )
    assert changed.review == Review.HELD and changed.reviewed_at is None


# --- review: no sessions until approved; the decision reaches the school -------------------------


def test_a_held_activity_gets_sessions_only_once_approved_and_the_school_is_told(demo, s1, venue_factory):
    term = Term.objects.filter(school=s1, end__gte=timezone.localdate()).order_by("start").first()
    activity = _save(s1, "英语提高班（演示）", explanation="英语游戏", actor=demo.user("s1_admin"))
    lead = staff(username="f17_review_lead", last_name="评审", school=s1)
    group = services.group_save(
        activity=activity,
        term=term,
        name="一组",
        lead=lead,
        venue=venue_factory(name="评审活动室"),
        grades="345",
        capacity=30,
        slots=[(1, datetime.time(16), datetime.time(17))],
        actor=demo.user("s1_admin"),
    )
    assert not group.sessions.exists()
    officer = demo.user("zy_bureau")
    with pytest.raises(ValidationError) as exc:
        region_services.activity_review_decide(activity=activity, approve=False, note="", actor=officer)
    assert exc.value.code == "note"
    region_services.activity_review_decide(activity=activity, approve=True, note="同意", actor=officer)
    activity.refresh_from_db()
    assert activity.review == Review.APPROVED and activity.reviewed_by == officer
    assert group.sessions.exists()
    note = Notification.objects.get(
        recipient=demo.user("s1_admin"),
        kind="activities/content_reviewed",
        title__contains="英语提高班（演示）",
    )
    assert "同意" in note.body
    assert AuditEvent.objects.filter(verb="activity.review_decided", target_id=str(activity.code)).exists()
    with pytest.raises(ValidationError):
        region_services.activity_review_decide(activity=activity, approve=False, note="x", actor=officer)
    # Changed and held again: its coming sessions go until the bureau approves the new text.
    assert group.sessions.filter(date__gte=timezone.localdate()).exists()
    activity.refresh_from_db()
    services.activity_save(
        school=s1,
        title=activity.title,
        category=activity.category,
        description="加入预习",
        explanation="英语游戏，预习只是看图",
        actor=None,
        activity=activity,
    )
    assert not group.sessions.filter(date__gte=timezone.localdate()).exists()


def test_the_bureau_pages_list_decide_and_the_school_sees_the_decision(client, demo, s1):
    activity = _save(s1, "预习兴趣组", explanation="阅读绘本", actor=demo.user("s1_admin"))
    client.force_login(demo.user("zy_bureau"))
    page = client.get(reverse("activities:content-review-list")).content.decode()
    assert "预习兴趣组" in page and "英语口语提高班" in page  # the demo's held one too
    url = reverse("activities:content-review", kwargs={"review_code": activity.code})
    assert "阅读绘本" in client.get(url).content.decode()
    response = client.post(url, {"decision": "reject", "note": "内容像学科预习"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.review == Review.REJECTED
    client.force_login(demo.user("s1_admin"))
    page = client.get(reverse("activities:activity-edit", kwargs={"activity_code": activity.code}))
    assert "内容像学科预习" in page.content.decode()


# --- scoping -------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["gy_bureau", "zz_bureau", "s1_admin"])
def test_a_review_outside_the_officers_bureau_is_404(client, demo, s1, username):
    # s1's bureau is 中原区 (it has an officer): 郑州市 above it does not decide, 巩义市 is elsewhere.
    activity = _save(s1, "预习兴趣组", explanation="阅读绘本")
    client.force_login(demo.user(username))
    url = reverse("activities:content-review", kwargs={"review_code": activity.code})
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    activity.refresh_from_db()
    assert activity.review == Review.HELD


@pytest.mark.parametrize("username", ["gy_bureau", "zy_bureau", "s1_admin"])
def test_another_regions_rules_are_404(client, demo, username):
    client.force_login(demo.user(username))
    url = reverse("activities:region-rules", kwargs={"region_code": "4101"})  # 郑州市
    assert client.get(url).status_code == 404
    assert client.post(url, {"earliest_end": "19:00"}).status_code == 404


# --- the region's page: inheritance shown, only tightened, audited --------------------------------


def test_the_page_shows_each_value_with_the_region_it_comes_from(client, demo):
    client.force_login(demo.user("zy_bureau"))
    page = client.get(reverse("activities:region-rules", kwargs={"region_code": "410102"})).content.decode()
    assert "17:30" in page and "郑州市" in page  # the demo's earliest end, set by 郑州市
    assert "竞赛培训" in page and "河南省" in page  # the province's word
    assert "拔高" in page and "中原区" in page  # 中原区's own watch word
    # One officer, one region: the list page goes straight there.
    listing = client.get(reverse("activities:region-rules-list"))
    assert listing.status_code == 302 and "410102" in listing["Location"]


def test_a_lower_region_may_tighten_never_loosen(demo, s1):
    zhongyuan, officer = Region.objects.get(code="410102"), demo.user("zy_bureau")
    with pytest.raises(ValidationError) as exc:
        region_services.region_policy_save(
            region=zhongyuan,
            earliest_end=datetime.time(17),
            actor=officer,
            **{k: v for k, v in _rules_kwargs().items() if k != "earliest_end"},
        )
    assert exc.value.code == "loosens" and "郑州市" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        region_services.region_policy_save(
            region=zhongyuan, actor=officer, **_rules_kwargs(tutoring_max_group=10)
        )
    region_services.region_policy_save(
        region=zhongyuan,
        actor=officer,
        **_rules_kwargs(earliest_end=datetime.time(17, 45), watch_terms="拔高"),
    )
    policy = rules.policy_for(s1)
    assert (policy.earliest_end, policy.earliest_end_region) == (datetime.time(17, 45), "中原区")


def test_the_region_window_and_weekdays_bind_new_terms(demo, s1):
    zhongyuan, officer = Region.objects.get(code="410102"), demo.user("zy_bureau")
    region_services.region_policy_save(
        region=zhongyuan,
        actor=officer,
        **_rules_kwargs(latest_end=datetime.time(18), weekdays="12345", watch_terms="拔高"),
    )
    today = timezone.localdate()
    kwargs = dict(
        school=s1, name="F17 测试学期", start=today, end=today + datetime.timedelta(days=30), actor=None
    )
    with pytest.raises(ValidationError) as exc:
        services.term_save(
            weekdays="12345", day_start=datetime.time(16), day_end=datetime.time(18, 30), **kwargs
        )
    assert exc.value.code == "too_late"
    with pytest.raises(ValidationError) as exc:
        services.term_save(
            weekdays="123456", day_start=datetime.time(16), day_end=datetime.time(18), **kwargs
        )
    assert exc.value.code == "region_weekdays"


def test_saving_the_page_writes_audit_rows_and_the_retention_period(client, demo):
    client.force_login(demo.user("zy_bureau"))
    url = reverse("activities:region-rules", kwargs={"region_code": "410102"})
    response = client.post(
        url,
        {
            "earliest_end": "17:40",
            "weekdays": ["1", "2", "3", "4", "5"],
            "retention_months": "6",
            "watch_terms": "拔高\n培尖",
        },
    )
    assert response.status_code == 302
    policy = RegionPolicy.objects.get(region__code="410102")
    assert policy.earliest_end == datetime.time(17, 40) and policy.watch_terms == "拔高\n培尖"
    assert RetentionPolicy.objects.get(region__code="410102").months == 6
    event = AuditEvent.objects.get(verb="region_policy.save", target_id=str(policy.pk))
    assert event.actor == demo.user("zy_bureau") and event.changes["earliest_end"] == [None, "17:40"]
    assert AuditEvent.objects.filter(verb="retention.set").exists()
    page = client.get(url).content.decode()
    assert "培尖" in page and "6" in page
