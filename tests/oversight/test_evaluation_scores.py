"""Evaluation (考评, F8): weights a bureau sets (non-negative, adding up to 100), each school's term
score from the daily summaries with its breakdown, the ranking, its export, and who sees what."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from oversight.evaluation import scoring, selectors
from oversight.models import DailySchoolSummary, WeightSet
from schools import services as org
from schools.models import Region

pytestmark = pytest.mark.django_db

TERM = "2025-autumn"  # 1 Sep 2025 – 31 Jan 2026: no demo summaries
WEIGHTS = {
    "participation": 30,
    "attendance": 20,
    "priority": 10,
    "hours": 10,
    "incidents": 10,
    "complaints": 10,
    "findings": 10,
}


def _weights(region_code: str, weights: dict, demo) -> WeightSet:
    columns = {f"w_{key}": value for key, value in weights.items()}
    return WeightSet.objects.create(
        region=Region.objects.get(code=region_code), term=TERM, set_by=demo.user("zz_bureau"), **columns
    )


def _summaries(school, *, better: bool = False) -> None:
    """s1's term by hand: two rolled days, 1 and 14 September 2025 (two weeks)."""
    DailySchoolSummary.objects.create(
        school=school,
        date=datetime.date(2025, 9, 1),
        marks_expected=100,
        marks_present=100 if better else 90,
        child_hours=Decimal("100"),
        incidents=0 if better else 1,
    )
    DailySchoolSummary.objects.create(
        school=school,
        date=datetime.date(2025, 9, 14),
        offers_service=True,
        enrolled=200,
        placed=180 if better else 100,
        priority_students=10,
        priority_applied=10,
        priority_placed=10 if better else 8,
        findings_open=0 if better else 1,
        marks_expected=100,
        marks_present=100 if better else 80,
        child_hours=Decimal("400" if better else "40"),
        complaints_forced=0 if better else 1,
    )


def test_the_score_is_the_hand_computed_weighted_sum(demo):
    s1 = demo.school("s1")
    _summaries(s1)
    _weights("4101", WEIGHTS, demo)
    result = selectors.school_score(school=s1, term=TERM)
    parts = {part["indicator"].key: part for part in result["breakdown"]}
    # participation 100/200 = 50.0; attendance 170/200 = 85.0; coverage 8/10 = 80.0;
    # hours 140 h / 100 children / 2 weeks = 0.70 a week → 0.70 / 5 = 14.0;
    # incidents 1 per 100 children → 100 − 25 = 75.0; reports likewise 75.0; 1 open finding → 80.0.
    assert {k: (p["raw"], p["normalised"]) for k, p in parts.items()} == {
        "participation": (Decimal("50.0"), Decimal("50.0")),
        "attendance": (Decimal("85.0"), Decimal("85.0")),
        "priority": (Decimal("80.0"), Decimal("80.0")),
        "hours": (Decimal("0.70"), Decimal("14.0")),
        "incidents": (Decimal("1.00"), Decimal("75.0")),
        "complaints": (Decimal("1.00"), Decimal("75.0")),
        "findings": (1, Decimal("80.0")),
    }
    assert parts["participation"]["contribution"] == Decimal("15.00")
    assert parts["hours"]["weight"] == 10 and parts["hours"]["contribution"] == Decimal("1.40")
    # (50×30 + 85×20 + 80×10 + 14×10 + 75×10 + 75×10 + 80×10) / 100
    assert result["score"] == Decimal("64.4")
    assert result["weight_set"].region.code == "4101"


def test_the_nearest_bureaus_weights_apply_else_the_defaults(demo):
    s1 = demo.school("s1")
    _summaries(s1)
    assert selectors.school_score(school=s1, term=TERM)["weights"] == scoring.DEFAULT_WEIGHTS
    _weights("4101", WEIGHTS, demo)
    own = {**WEIGHTS, "participation": 20, "findings": 20}
    _weights("410102", own, demo)
    assert selectors.school_score(school=s1, term=TERM)["weights"] == own
    assert selectors.school_score(school=demo.school("s2"), term=TERM)["weights"] == WEIGHTS


def test_a_school_without_placed_children_scores_zero(demo):
    result = selectors.school_score(school=demo.school("s4"), term=TERM)
    assert result["score"] == 0 and all(p["normalised"] == 0 for p in result["breakdown"])


def test_the_ranking_orders_the_regions_schools_best_first(client, demo):
    _summaries(demo.school("s1"))
    _summaries(demo.school("s2"), better=True)
    _weights("4101", WEIGHTS, demo)
    client.force_login(demo.user("zz_bureau"))
    response = client.get(reverse("oversight:ranking"), {"term": TERM})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["school"].name for row in rows] == ["金水区文化路小学", "中原区实验小学", "中原区西郊小学"]
    assert [row["rank"] for row in rows] == [1, 2, 3]
    assert rows[1]["score"] == Decimal("64.4") and rows[0]["score"] > rows[1]["score"]
    assert "巩义市紫荆路小学" not in response.content.decode()


def test_the_export_holds_the_ranking_and_neutralises_formulas(client, demo):
    s1 = demo.school("s1")
    s1.name = '=HYPERLINK("http://x")'
    s1.save(update_fields=["name"])
    _summaries(s1)
    _weights("4101", WEIGHTS, demo)
    client.force_login(demo.user("zz_bureau"))
    response = client.get(reverse("oversight:ranking-export"), {"term": TERM})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["排名"].iter_rows(values_only=True))
    assert rows[0][:5] == ("名次", "学校", "学校标识码", "区县", "总分")
    assert rows[1][:5] == (1, '\'=HYPERLINK("http://x")', "4101020001", "中原区", 64.4)
    assert len(rows) == 4  # header + s1, s2, s4
    weights = {row[0]: row[1] for row in book["权重"].iter_rows(min_row=4, values_only=True)}
    assert sorted(weights.values()) == sorted(WEIGHTS.values())


@pytest.mark.parametrize(
    "username, school, status",
    [
        ("s1_admin", "s1", 200),
        ("s1_admin", "s2", 404),
        ("zy_bureau", "s1", 200),
        ("zy_bureau", "s2", 404),
        ("gy_bureau", "s1", 404),
        ("hn_bureau", "s3", 200),
        ("s1_head31", "s1", 404),
        ("s1_parent", "s1", 404),
    ],
)
def test_a_score_is_shown_only_within_scope(client, demo, username, school, status):
    client.force_login(demo.user(username))
    url = reverse("oversight:school-score", kwargs={"school_code": demo.school(school).code})
    assert client.get(url, {"term": TERM}).status_code == status


def test_a_school_admin_sees_its_breakdown_but_not_the_ranking(client, demo):
    _summaries(demo.school("s1"))
    _weights("4101", WEIGHTS, demo)
    client.force_login(demo.user("s1_admin"))
    url = reverse("oversight:school-score", kwargs={"school_code": demo.school("s1").code})
    page = client.get(url, {"term": TERM}).content.decode()
    assert "64.4" in page and "金水区文化路小学" not in page
    assert client.get(reverse("oversight:ranking")).status_code == 404
    assert client.get(reverse("oversight:ranking-export")).status_code == 404


def test_weights_must_add_up_to_100_with_a_chinese_message_and_the_input_kept(client, demo):
    client.force_login(demo.user("zz_bureau"))
    url = reverse("oversight:weights") + f"?term={TERM}"
    data = {**WEIGHTS, "participation": 20, "term": TERM}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    page = response.content.decode()
    assert "权重合计为 90，必须等于 100。" in page
    assert 'name="participation" value="20"' in page
    response = client.post(url, {**data, "participation": 40, "hours": -10})
    assert response.status_code == 400 and "权重不能为负数。" in response.content.decode()
    assert not WeightSet.objects.filter(term=TERM).exists()
    response = client.post(url, {**WEIGHTS, "term": TERM})
    assert response.status_code == 302
    assert WeightSet.objects.get(term=TERM, region__code="4101").as_dict() == WEIGHTS


def test_the_database_refuses_weights_not_adding_up_to_100(demo):
    with pytest.raises(IntegrityError), transaction.atomic():
        _weights("4101", {**WEIGHTS, "findings": 11}, demo)


def test_a_bureau_sets_weights_only_for_its_own_region(client, demo):
    client.force_login(demo.user("zy_bureau"))
    response = client.post(
        reverse("oversight:weights") + f"?term={TERM}&region=4101", {**WEIGHTS, "term": TERM}
    )
    assert response.status_code == 404
    assert not WeightSet.objects.filter(term=TERM).exists()
    client.force_login(demo.user("s1_admin"))
    assert client.get(reverse("oversight:weights")).status_code == 404


def _ranking_queries(client) -> int:
    # A request first: after a long build the staff idle clock writes the session once (at most once
    # a minute, schools.middleware), which is not the page's cost.
    client.get(reverse("oversight:ranking"), {"term": TERM})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("oversight:ranking"), {"term": TERM}).status_code == 200
    return len(queries)


def test_the_ranking_costs_the_same_queries_with_more_schools(client, demo):
    _weights("4101", WEIGHTS, demo)
    _summaries(demo.school("s1"))
    client.force_login(demo.user("zz_bureau"))
    _ranking_queries(client)  # warm the session and the content types
    before = _ranking_queries(client)
    county = Region.objects.get(code="410102")
    for n in range(6):
        school = org.school_save(identifier=f"41010299{n:02d}", name=f"测试小学{n}", region=county)
        _summaries(school, better=bool(n % 2))
    after = _ranking_queries(client)
    assert after == before
    assert len(client.get(reverse("oversight:ranking"), {"term": TERM}).context["rows"]) == 9
