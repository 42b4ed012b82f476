import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import rules, services
from activities.models import Activity, Category, RegionPolicy

pytestmark = pytest.mark.django_db


def test_it_refuses_extra_lessons_in_the_service_naming_the_word(demo, s1):
    with pytest.raises(ValidationError) as exc:
        services.activity_save(
            school=s1, title="三年级数学补课班", category=Category.HOMEWORK, actor=demo.user("s1_admin")
        )
    assert exc.value.code == "extra_lessons"
    assert "补课" in exc.value.messages[0]
    assert not Activity.objects.filter(title="三年级数学补课班").exists()


def test_it_reads_full_width_and_spaced_text_and_the_description(demo, s1):
    with pytest.raises(ValidationError, match="超前学习"):
        services.activity_save(
            school=s1,
            title="数学游戏",
            description="带领学生超前 学习下学期内容",
            category=Category.GAMES,
            actor=demo.user("s1_admin"),
        )


def test_it_lets_a_region_extend_the_list_for_its_schools_only(demo, s1):
    zhongyuan = s1.region
    RegionPolicy.objects.update_or_create(region=zhongyuan, defaults={"extra_terms": "奥数\n竞赛"})
    with pytest.raises(ValidationError, match="奥数"):
        services.activity_save(school=s1, title="奥数兴趣班", category=Category.CLUBS, actor=None)
    other = demo.school("s2")  # 金水区: not under 中原区's list
    assert services.activity_save(school=other, title="奥数兴趣班", category=Category.CLUBS, actor=None)
    assert "奥数" in rules.policy_for(s1).extra_lesson_terms


def test_it_allows_ordinary_activities(demo, activity_factory):
    activity = activity_factory(title="花样跳绳", description="单摇、双摇与集体跳长绳")
    assert activity.pk and activity.category == "sports"


def test_it_refuses_extra_lessons_through_the_django_admin(client, demo, s1):
    client.force_login(demo.user("admin"))
    response = client.post(
        reverse("admin:activities_activity_add"),
        {"school": s1.pk, "title": "三年级数学补课班", "category": "homework", "active": "on"},
    )
    assert response.status_code == 200
    assert "补课" in response.content.decode()
    assert not Activity.objects.filter(title="三年级数学补课班").exists()


def test_it_keeps_the_category_list_closed(demo, s1):
    with pytest.raises(ValidationError) as exc:
        services.activity_save(school=s1, title="棋类", category="chess", actor=None)
    assert exc.value.code == "category"
    assert len(Category.values) == 13


def test_it_refuses_an_expired_provider(demo, s1):
    import datetime

    from activities.models import Provider

    expired = Provider.objects.create(
        region=s1.region,
        name="过期机构",
        licence="L-1",
        qualification="体育培训",
        valid_until=datetime.date(2020, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.activity_save(
            school=s1, title="足球", category=Category.SPORTS, provider=expired, actor=None
        )
    assert exc.value.code == "provider_expired"


def test_it_needs_a_films_title_and_age_suitability(demo, s1):
    with pytest.raises(ValidationError) as exc:
        services.activity_save(school=s1, title="周五电影", category=Category.FILMS, actor=None)
    assert exc.value.code == "film"
    film = services.activity_save(
        school=s1,
        title="周五电影",
        category=Category.FILMS,
        film_title="寻梦环游记",
        film_age_rating="6岁以上",
        actor=None,
    )
    assert film.film_title == "寻梦环游记"


def test_it_explains_a_duplicate_title_instead_of_failing(demo, s1):
    with pytest.raises(ValidationError) as exc:
        services.activity_save(school=s1, title="快乐篮球", category=Category.SPORTS, actor=None)
    assert exc.value.code == "duplicate"
