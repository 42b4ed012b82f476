"""F13 small numbers: bureau pages, exports and generated reports show a count of a sensitive group
(priority groups, incidents, guardians' reports) from 1 to 4 as "<5"; 0 stays 0 (it discloses no
child); 5 and more are shown. One function (schools.smallnumbers.small_count) does it everywhere."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Application
from oversight.summaries import services as oversight_services
from schools.models import Student
from tests.support.reports import ask, download, sheet_rows, this_term

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def _cells(page: str, row_marker: str) -> list[str]:
    """The text of the cells of the table row that contains row_marker."""
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S) if row_marker in r)
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


def _only_priority(school, n: int) -> None:
    """Exactly n children of the school in a priority group (the first n by pk, left-behind; no
    family declares one on an application)."""
    Application.objects.filter(student__school=school).update(
        left_behind=False, migrant=False, low_income=False, disability=False, other_need=""
    )
    students = Student.objects.filter(school=school)
    students.update(
        left_behind=False, migrant=False, low_income=False, disability=False, other_priority_note=""
    )
    Student.objects.filter(pk__in=list(students.order_by("pk").values_list("pk", flat=True)[:n])).update(
        left_behind=True
    )


def test_the_function_hides_one_to_four_only():
    from schools.smallnumbers import small_count

    assert [small_count(n) for n in range(7)] == [0, "<5", "<5", "<5", "<5", 5, 6]
    # Money, rates and text are not counts.
    assert small_count(Decimal("3.0")) == Decimal("3.0")
    assert small_count("3") == "3" and small_count(None) is None and small_count(True) is True


def test_the_bureau_home_shows_a_school_with_three_priority_children_as_less_than_five(client, demo):
    s2 = demo.school("s2")
    _only_priority(s2, 3)
    client.force_login(demo.user("hn_bureau"))
    response = client.get(reverse("home"))
    page = html(response)
    cells = _cells(page, s2.name)
    assert cells[-1] == "<5"
    # Beside the region's total, the small cell cannot be worked out from the others.
    region = next(t for t in response.context["tables"] if any(s.pk == s2.pk for s in t.schools))
    _assert_protected([_cells(page, s.name)[-1] for s in region.schools], region.priority)


def _assert_protected(column: list[str], total: int) -> None:
    """A line of shown cells beside its shown total: either nothing is hidden, or at least two cells
    are, and what they add up to (the total minus the shown ones) is 5 or more."""
    hidden = [c for c in column if c in {"<5", "*"}]
    if not hidden:
        return
    shown = sum(int(c) for c in column if c not in {"<5", "*"})
    assert len(hidden) >= 2 and total - shown >= 5, (column, total)


def test_complementary_suppression_withholds_the_fewest_smallest_cells():
    from schools.smallnumbers import protect_line, withheld

    assert withheld([2, 12, 30], total=44) == [1]  # 44 - 12 - 30 would give the 2 back
    assert withheld([1, 1, 50, 60], total=112) == [2]  # two hidden, but 1 + 1 could only be 1 and 1
    assert withheld([3, 4, 40], total=47) == []  # 7 split between two cells of 1 to 4: not one answer
    assert withheld([2, 0, 0], total=2) == []  # the total is "<5" itself
    assert withheld([0, 7, 9], total=16) == []  # nothing small
    assert withheld([2, 0, 9], total=11) == [2]  # zeros stay: they disclose nobody
    assert protect_line([2, 12, 30], total=44) == [2, "*", 30]


def test_the_bureau_school_page_hides_small_class_counts(client, demo):
    s2 = demo.school("s2")
    _only_priority(s2, 3)  # all three in the first class by pk
    client.force_login(demo.user("zz_bureau"))
    page = html(client.get(reverse("schools:bureau-school", kwargs={"school_code": s2.code})))
    assert re.search(r'<div class="fs-4 fw-semibold">&lt;5</div>', page)
    klass = Student.objects.filter(school=s2).order_by("pk").first().class_group
    cells = _cells(page, klass.display_name)
    assert cells[2] == "<5" and cells[3] == "<5"  # in priority groups; left-behind
    # No cell of the classes table shows a count from 1 to 4.
    table = page.split('class="table table-sm align-middle bg-white bureau-classes"')[1]
    for value in re.findall(r'<td class="text-end">([^<]*)</td>', table):
        assert value not in {"1", "2", "3", "4"}, value


def test_the_dashboard_shows_small_incident_and_priority_counts_as_less_than_five(client, demo):
    s3 = demo.school("s3")
    _only_priority(s3, 2)
    oversight_services.summaries_roll(day=timezone.localdate())
    client.force_login(demo.user("gy_bureau"))
    response = client.get(reverse("oversight:dashboard"), {"term": this_term()})
    row = response.context["schools"][0]
    assert 0 < row["incidents"] < 5, "the demo's two incidents of s3 this term"
    page = html(response)
    cells = _cells(page, f'data-school="{s3.code}"')
    incidents_col = 9
    assert cells[incidents_col] == "<5"
    card = page.split('data-indicator="priority"')[1].split("</div></div></div>")[0]
    assert "&lt;5" in card and f">{row['priority_students']} " not in card


def test_a_generated_report_shows_small_counts_as_less_than_five(
    client, demo, django_capture_on_commit_callbacks
):
    s3 = demo.school("s3")
    _only_priority(s3, 2)
    oversight_services.summaries_roll(day=timezone.localdate())
    report = ask(
        client,
        django_capture_on_commit_callbacks,
        demo.user("gy_bureau"),
        scope="region:410181",
        kind="term",
        period=this_term(),
    )
    data = download(client, report)
    totals = dict(sheet_rows(data, "总体情况")[1:])
    assert totals["重点群体学生总数"] == "<5"
    assert totals["安全事故"] == "<5"
    rows = sheet_rows(data, "学校")
    headers = list(rows[0])
    school_row = next(r for r in rows[1:] if r[0] == s3.name)
    assert school_row[headers.index("安全事故")] == "<5"
    # Figures that are not about a sensitive group are shown as they are.
    assert totals["在校学生"] == 240


def test_the_bureaus_complaint_counts_hide_small_numbers(client, demo):
    client.force_login(demo.user("zz_bureau"))
    response = client.get(reverse("subsidies:complaint-list"))
    assert response.status_code == 200
    counts = response.context["counts"]
    small = [n for row in counts for n in row.counts if 0 < n < 5]
    assert small, "the demo has a few reports per county"
    table = html(response).split('id="complaint-counts"')[1].split("</table>")[0]
    for value in re.findall(r'<td class="text-end">([^<]*)</td>', table):
        assert value not in {"1", "2", "3", "4"}, value
    assert "&lt;5" in table


def test_the_term_report_page_shows_small_incident_counts_as_less_than_five(client, demo):
    from oversight.models import TermReport

    report = TermReport.objects.filter(school=demo.school("s1")).first()
    report.indicators = {**report.indicators, "incidents": "2", "complaints": "7"}
    report.save(update_fields=["indicators"])
    client.force_login(demo.user("zy_bureau"))
    response = client.get(reverse("oversight:term-report-detail", kwargs={"term_report_code": report.code}))
    assert response.status_code == 200
    figures = dict((str(label), value) for label, value, _unit in response.context["figures"])
    assert figures["安全事故"] == "<5"
    assert figures["家长反映"] == 7
    block = html(response).split('id="report-figures"')[1].split("</dl>")[0]
    assert "&lt;5" in block


def test_the_dashboard_withholds_a_second_school_so_a_small_incident_count_cannot_be_subtracted(client, demo):
    from oversight.models import DailySchoolSummary

    oversight_services.summaries_roll(day=timezone.localdate())
    summaries = DailySchoolSummary.objects.all()
    summaries.update(incidents=0)
    for code, n in {"s1": 12, "s3": 2}.items():
        DailySchoolSummary.objects.filter(pk=summaries.filter(school=demo.school(code)).first().pk).update(
            incidents=n
        )
    client.force_login(demo.user("hn_bureau"))
    response = client.get(reverse("oversight:dashboard"), {"term": this_term()})
    assert response.context["totals"]["incidents"] == 14
    page = html(response)
    incidents_col = 9
    column = {
        row["school"].code: _cells(page, f'data-school="{row["school"].code}"')[incidents_col]
        for row in response.context["schools"]
    }
    assert column[demo.school("s3").code] == "<5"
    assert column[demo.school("s1").code] == "*"
    _assert_protected(list(column.values()), 14)
