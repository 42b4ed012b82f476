"""The benchmark harness's own logic (bench/): the results table, RESULTS.md and the query-count
comparison. No server, no timings: the benchmarks themselves run with `make bench`."""

import datetime

from bench import common, query_growth, report

MACHINE = {
    "uname": "Linux bench 6.1.0 x86_64 GNU/Linux",
    "cpu": "AMD EPYC",
    "cores": 2,
    "postgresql": "15.8",
    "redis": "7.0.15",
    "python": "3.11.7",
}


def rows():
    return [
        common.row(
            "(a) parent home / hello",
            412.0,
            floor=1030.0,
            ratio=0.4,
            target="≥ 0.35",
            unit="req/s",
            passed=True,
            note="sync 2 a core; 9 queries",
        ),
        common.row(
            "(c) enrollment burst: p99 latency", 3.5, floor=1.2, target="≤ 2 s", unit="s", passed=False
        ),
        common.row("(a) naive roll-call page / hello", 50.0, floor=1000.0, target="contrast", unit="req/s"),
    ]


def test_it_computes_the_ratio_against_the_floor_unless_given():
    assert common.row("x", 30.0, floor=10.0)["ratio"] == 3.0
    assert common.row("x", 30.0, floor=10.0, ratio=0.5)["ratio"] == 0.5
    assert common.row("x", 30.0)["ratio"] is None


def test_it_prints_one_aligned_line_per_row_with_pass_or_fail():
    text = report.table(rows()).splitlines()
    assert text[0].split() == ["scenario", "figure", "floor", "ratio", "target", "result"]
    assert len(text) == 2 + 3
    assert text[2].startswith("(a) parent home / hello") and text[2].endswith("pass")
    assert text[3].endswith("FAIL") and "3.50 s" in text[3] and "1.20 s" in text[3]
    assert text[4].endswith("—")  # a contrast row is neither pass nor fail
    assert len({len(line) for line in text[:2]}) == 1


def test_it_writes_results_md_with_the_date_the_machine_and_the_gaps():
    when = datetime.datetime(2026, 11, 29, 18, 0, tzinfo=datetime.UTC)
    text = report.markdown(rows(), machine=MACHINE, when=when, command="make bench", minutes=17.25)
    assert "`make bench` on 2026-11-29 18:00 UTC, 17.2 minutes." in text
    assert "Linux bench 6.1.0" in text and "AMD EPYC, 2 cores" in text and "PostgreSQL 15.8" in text
    lines = [line for line in text.splitlines() if line.startswith("| (")]
    assert len(lines) == 3
    assert lines[0].split(" | ")[1:6] == ["412 req/s", "1,030 req/s", "0.400", "≥ 0.35", "pass"]
    assert "1 miss their target: (c) enrollment burst: p99 latency" in text


def test_a_pipe_in_a_note_does_not_break_the_markdown_table():
    bad = [common.row("x", 1.0, note="a | b")]
    text = report.markdown(
        bad, machine=MACHINE, when=datetime.datetime.now(datetime.UTC), command="c", minutes=1
    )
    line = next(line for line in text.splitlines() if line.startswith("| x"))
    assert "a \\| b" in line


def test_query_counts_that_grow_with_the_data_fail_and_equal_ones_pass():
    small = {"s1_parent": {"home": 9, "safety:family": 12, "only-small": 4, "enrollment:family": 18}}
    large = {"s1_parent": {"home": 9, "safety:family": 31, "enrollment:family": 17}}
    got = {r["scenario"]: r for r in query_growth.compare(small, large, scale=20)}
    home = got["(b) queries s1_parent home"]
    assert (home["floor"], home["figure"], home["passed"]) == (9, 9, True)
    family = got["(b) queries s1_parent safety:family"]
    assert family["passed"] is False and family["note"] == "+19 queries at 10× the data"
    fewer = got["(b) queries s1_parent enrollment:family"]
    assert fewer["passed"] is None and "not growth" in fewer["note"]
    missing = got["(b) queries s1_parent only-small"]
    assert missing["passed"] is None and "only at S" in missing["note"]


def test_the_naive_roll_call_lists_the_same_children_with_more_queries(demo):
    """The page-cost benchmark's contrast (bench/views.py) is the same page read the naive way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from activities.models import Session
    from bench import views
    from safety.selectors import attendance

    sessions = Session.objects.select_related(*attendance.SESSION_RELATED).order_by("pk")[:200]
    roster = max(attendance.rosters(list(sessions)), key=lambda r: len(r.roll))
    assert len(roster.roll) >= 3
    with CaptureQueriesContext(connection) as real:
        expected = [c.student.code for c in attendance.roster(roster.session).roll]
    with CaptureQueriesContext(connection) as naive:
        got = [c.student.code for c in views.naive_roster(roster.session).roll]
    assert sorted(got) == sorted(expected)
    assert len(naive) > len(roster.roll) > len(real)


def test_a_partial_run_keeps_the_other_scenarios_rows_of_the_last_run(tmp_path, monkeypatch):
    from bench import run_all

    last = tmp_path / "results.json"
    last.write_text(
        '[{"scenario": "(a) old", "module": "page_cost"}, {"scenario": "(d) old", "module": "roster_import"}]'
    )
    monkeypatch.setattr(run_all, "LAST", last)
    new = [{"scenario": "(d) new", "module": "roster_import"}]
    assert [r["scenario"] for r in run_all.merged(new, ["roster_import"])] == ["(a) old", "(d) new"]
