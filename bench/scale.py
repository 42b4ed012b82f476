#!/usr/bin/env python
"""A city on one primary (F18): a city-sized term, then the term report, the dashboard and roll
call / release at that size. NOT part of `make bench` (run_all.py); `make bench-scale SCALE=…`.

At SCALE 1 (the full size): 1,000 schools × 25 groups × 40 children × 100 school days =
100,000,000 attendance marks (2 % corrected by a second revision), generated in SQL with
generate_series (bench/term_report.py's generator: set-based, one INSERT … SELECT a month partition
made by the portal's attendance_partitions_ahead, the marks' keys and indexes dropped during the
load and made again from the catalogue's own definitions, VACUUM ANALYZE), in an attendance table
partitioned by month. SCALE 0.01 is 10 schools and 1,000,000 marks. Measured, medians of
interleaved rounds (one round from SCALE 0.5, after a warm-up read):

- floor: one hand-written SQL aggregate of the term (bench/term_report.py's FLOOR_SQL);
- term report: roll the term's daily summaries from nothing and read its indicators; ≤ 1.3 × floor;
- dashboard: the bureau's term dashboard page from the summaries; ≤ 0.05 × floor;
- roll call and release: one session's roll call saved (in a transaction rolled back) and its
  release roster read, at SCALE and at SCALE / 10 (BASELINE): flat means the ratio stays ≤ 1.5,
  and their attendance reads touch one partition (EXPLAIN).

Each scale has its own database (afterschool_bench_scale_<n>), kept between runs. Writes
bench/RESULTS-scale.md, headed by the scale it ran at.

    .venv/bin/python bench/scale.py --scale 0.01        # the lead runs --scale 1
"""

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, term_report

FULL_SCHOOLS = 1000
RESULTS = common.ROOT / "bench" / "RESULTS-scale.md"
ROLL_DAY = datetime.date(2026, 11, 16)  # a Monday of the generated term, before the suite's pin
ROUNDS = 3  # 1 from SCALE 0.5: a round of the full size takes minutes (after a warm-up read)


def _schools(scale: float) -> int:
    return max(1, round(FULL_SCHOOLS * scale))


def _context(schools: int) -> common.Context:
    return common.Context(database_url=f"{common.PG}afterschool_bench_scale_{schools}")


def _roll_call(rounds: int) -> dict:
    """One session's roll call (a correction for every child, rolled back) and release roster read."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from activities.models import Session
    from safety.selectors import attendance as selectors
    from safety.services import attendance as services

    session = (
        Session.objects.filter(date=ROLL_DAY).select_related("group__term", "lead").order_by("pk").first()
    )
    now = timezone.make_aware(datetime.datetime.combine(ROLL_DAY, datetime.time(17, 0)))
    times = {"roll_call": [], "release": []}
    partitions_read = set()
    for _ in range(rounds):
        started = time.perf_counter()
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            roster = selectors.roster(session)
            marks = {c.student.pk: "absent" for c in roster.roll if c.leave is None}
            services.roll_call_save(session=session, actor=session.lead, marks=marks, now=now)
            transaction.set_rollback(True)
        times["roll_call"].append(time.perf_counter() - started)
        started = time.perf_counter()
        selectors.roster(session, with_refusals=True)
        times["release"].append(time.perf_counter() - started)
    for q in queries.captured_queries:
        if q["sql"].startswith("SELECT") and 'FROM "safety_attendance"' in q["sql"]:
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (FORMAT JSON) " + q["sql"])
                partitions_read |= _relations(cur.fetchone()[0][0]["Plan"])
    return {**{k: statistics.median(v) for k, v in times.items()}, "partitions": sorted(partitions_read)}


def _size() -> dict:
    """The marks and their bytes on disk, indexes included (all partitions)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT sum(pg_total_relation_size(inhrelid)), sum(pg_indexes_size(inhrelid)) FROM pg_inherits "
            "WHERE inhparent = 'safety_attendance'::regclass"
        )
        total, indexes = cur.fetchone()
        cur.execute("SELECT count(*) FROM safety_attendance")
        return {"bytes": int(total), "index_bytes": int(indexes), "marks": cur.fetchone()[0]}


def _relations(node) -> set:
    found = (
        {node["Relation Name"]} if node.get("Relation Name", "").startswith("safety_attendance") else set()
    )
    for child in node.get("Plans", []):
        found |= _relations(child)
    return found


def one(scale: float, out: str, full: bool) -> None:
    """In its own process (Django is set up once per process): generate if needed, then measure."""
    schools = _schools(scale)
    ctx = _context(schools)
    marker = common.ROOT / "var" / "bench" / f"{ctx.database}_report.seeded"
    kept = marker.exists()
    started = time.perf_counter()
    url = term_report.prepare(ctx, schools)
    generated = time.perf_counter() - started
    common.django_setup(ctx, DATABASE_URL=url)
    timings = marker.with_suffix(".timings.json")
    if not kept:
        timings.write_text(json.dumps(term_report.TIMINGS))
    rounds = ROUNDS if scale < 0.5 else 1
    got = {"scale": scale, "schools": schools, "prepare_s": generated, "kept": kept, "rounds": rounds}
    got.update(json.loads(timings.read_text()) if timings.exists() else {})
    got.update(_size())
    if full:
        got.update(term_report.measure(rounds=rounds))
    got.update(_roll_call(rounds))
    Path(out).write_text(json.dumps(got))


def _run_one(scale: float, full: bool) -> dict:
    out = common.ROOT / "var" / "bench" / f"scale-{scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [common.PY, __file__, "--one", str(scale), "--out", str(out)] + (["--full"] if full else [])
    subprocess.run(args, cwd=common.ROOT, check=True)
    return json.loads(out.read_text())


def _generation(got: dict) -> str:
    size = (
        f"The marks take {got['bytes'] / 1e9:.1f} GB with their indexes ({got['index_bytes'] / 1e9:.1f} GB), "
        f"{got['bytes'] / got['marks']:.0f} bytes a mark."
    )
    if "generate_s" not in got:
        return size
    return (
        f"Generating the term took {got['generate_s']:.0f} s after {got['migrate_s']:.0f} s of migrations: "
        f"{got['marks'] / got['generate_s']:,.0f} marks a second (schools, children, sessions and marks "
        "inserted set-based by month, the marks' keys and indexes made after the load, VACUUM ANALYZE). "
        + size
    )


def _report(main: dict, baseline: dict) -> str:
    flat = {k: main[k] / baseline[k] for k in ("roll_call", "release")}
    rows = [
        ("term report: full rebuild vs one SQL aggregate", main["rebuild"], main["floor"], 1.3),
        ("term dashboard from summaries vs the same aggregate", main["dashboard"], main["floor"], 0.05),
    ]
    lines = [
        f"# City-scale bench (F18) — run at SCALE {main['scale']:g} ({main['schools']:,} schools, "
        f"{main['marks']:,} attendance marks)",
        "",
        (
            "This run is the full size (SCALE 1: 1,000 schools, 100,000,000 marks), "
            if main["scale"] >= 1
            else f"Full size is SCALE 1 (1,000 schools, 100,000,000 marks). This run is "
            f"{main['scale']:.1%} of it, "
        )
        + "on a 2-core machine shared with other work.",
        (
            f"The database was kept from an earlier run (migrated in {main['prepare_s']:.0f} s)."
            if main.get("kept")
            else f"Preparing the database took {main['prepare_s']:.0f} s."
        ),
        _generation(main),
        f"Figures are medians of {main['rounds']} interleaved round(s), after a warm-up read of the term.",
        "",
        "| scenario | figure | floor | ratio | target | result |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, figure, floor, target in rows:
        ratio = figure / floor
        lines.append(
            f"| {name} | {figure:.3f} s | {floor:.3f} s | {ratio:.3f} | ≤ {target} | "
            f"{'pass' if ratio <= target else 'FAIL'} |"
        )
    for key, name in (
        ("roll_call", "roll call of one session"),
        ("release", "release roster of one session"),
    ):
        lines.append(
            f"| {name}: SCALE {main['scale']:g} vs {baseline['scale']:g} | {main[key] * 1000:.1f} ms | "
            f"{baseline[key] * 1000:.1f} ms | {flat[key]:.2f} | ≤ 1.5 (flat) | "
            f"{'pass' if flat[key] <= 1.5 else 'FAIL'} |"
        )
    lines += [
        "",
        f"Attendance partitions the roll call's reads touch (EXPLAIN): {', '.join(main['partitions'])}",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="fraction of the city (1 = 100 M marks)")
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        one(args.one, args.out, args.full)
        return
    subprocess.run(["bin/start-services"], cwd=common.ROOT, check=True)
    subprocess.run(  # the dashboard page renders with the production static files
        [common.PY, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=common.ROOT,
        env=common.portal_env(_context(_schools(args.scale))),
        check=True,
    )
    main_run = _run_one(args.scale, full=True)
    baseline = _run_one(args.scale / 10, full=False)
    text = _report(main_run, baseline)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
