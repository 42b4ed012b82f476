#!/usr/bin/env python
"""`make bench`: every benchmark of bench/ against PostgreSQL and Redis, one table.

Starts PostgreSQL and Redis if they are down (bin/start-services), installs wrk if missing
(bin/ensure-bench-tools), starts from a fresh bench database, then runs each scenario module in a
process of its own (each loads Django against its own database) and collects its rows:

  (a) page_cost         pages' requests per second against a bare "hello" view, same server
  (b) query_growth      every page's query count at data scale S and 10S
  (c) enrollment_burst  1,000 parents take second-round seats at the same moment
  (d) roster_import     a 10,000-student roster against its floor
  (e) term_report       term report and dashboard over 10 M marks (when bench/term_report.py is present)
      bench-scale         the latest `make bench-scale` result (bench/scale.py, run on its own: hours at
                          100 M marks): its term-report rows, with their date and scale, are read from
                          var/bench/scale-<scale>.json or bench/RESULTS-scale.md, never measured here

Prints the table (scenario, figure, floor, ratio, target, pass/fail, note) and writes bench/RESULTS.md
with the date and the machine. --quick makes every scenario short, for development; --only reruns
some scenarios and keeps the other rows of the last run.

    .venv/bin/python bench/run_all.py [--quick] [--only page_cost,query_growth] [--scale 84]
"""

import argparse
import datetime
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, report

# In this order: (a) seeds the demo at the context's scale and (c) reuses it.
SCENARIOS = ["page_cost", "enrollment_burst", "term_report", "query_growth", "roster_import"]
RESULTS = common.ROOT / "bench" / "RESULTS.md"
LAST = common.ROOT / "var" / "bench" / "results.json"


def available(names: list[str]) -> list[str]:
    return [n for n in names if (common.ROOT / "bench" / f"{n}.py").exists()]


def run_scenario(name: str, ctx: common.Context) -> list[dict]:
    """Run bench/<name>.py's run(ctx) in a fresh process; a failure becomes a failed row."""
    started = time.perf_counter()
    print(f"== {name}", flush=True)
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        done = subprocess.run(
            [common.PY, __file__, "--scenario", name, "--ctx", json.dumps(ctx.as_json()), "--out", out.name],
            cwd=common.ROOT,
        )
        try:
            rows = json.load(open(out.name))
        except ValueError:
            rows = []
    if done.returncode != 0 or not rows:
        rows.append(
            common.row(
                name,
                None,
                passed=False,
                note=f"the scenario stopped (exit {done.returncode}); see its output",
            )
        )
    print(f"== {name}: {len(rows)} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return [{**r, "module": name} for r in rows]


# --- the latest bench-scale result ---------------------------------------------------------------

SCALE_RESULTS = common.ROOT / "bench" / "RESULTS-scale.md"
SCALE_JSON = common.ROOT / "var" / "bench"
FULL_MARKS = 100_000_000  # SCALE 1: the city


def latest_scale() -> dict | None:
    """The bench-scale run at the largest scale that measured the term report: from its JSON
    (var/bench/scale-<scale>.json, dated by the file) or else from bench/RESULTS-scale.md (dated by
    its last commit, else the file). {scale, marks, rebuild, dashboard, floor, date, source}."""
    found = []
    for path in SCALE_JSON.glob("scale-*.json"):
        try:
            got = json.loads(path.read_text())
        except ValueError:
            continue
        if {"rebuild", "dashboard", "floor", "marks", "scale"} <= got.keys():
            when = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
            found.append(
                {**got, "date": f"{when:%Y-%m-%d %H:%M} UTC", "source": str(path.relative_to(common.ROOT))}
            )
    if found:
        return max(found, key=lambda g: (g["scale"], g["date"]))
    if SCALE_RESULTS.exists():
        return parse_scale_md(SCALE_RESULTS.read_text(encoding="utf-8"), scale_md_date())
    return None


def scale_md_date() -> str:
    done = subprocess.run(
        ["git", "log", "-1", "--format=%cd", "--date=format:%Y-%m-%d %H:%M", "--", str(SCALE_RESULTS)],
        cwd=common.ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode == 0 and done.stdout.strip():
        return done.stdout.strip() + " (commit)"
    when = datetime.datetime.fromtimestamp(SCALE_RESULTS.stat().st_mtime, datetime.UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC"


def parse_scale_md(text: str, date: str) -> dict | None:
    """The scale, the marks and the two term-report rows of bench/RESULTS-scale.md."""
    head = re.search(r"SCALE ([\d.]+) \([\d,]+ schools, ([\d,]+) attendance marks\)", text)
    rebuild = re.search(r"\| term report: full rebuild[^|]*\| ([\d.]+) s \| ([\d.]+) s \|", text)
    dashboard = re.search(r"\| term dashboard from summaries[^|]*\| ([\d.]+) s \| ([\d.]+) s \|", text)
    if not (head and rebuild and dashboard):
        return None
    return {
        "scale": float(head.group(1)),
        "marks": int(head.group(2).replace(",", "")),
        "rebuild": float(rebuild.group(1)),
        "dashboard": float(dashboard.group(1)),
        "floor": float(rebuild.group(2)),
        "date": date,
        "source": str(SCALE_RESULTS.relative_to(common.ROOT)),
    }


def scale_rows(got: dict | None) -> list[dict]:
    """The issue's 100 M-mark rows from the latest bench-scale run, marked with its date and scale;
    a run below SCALE 1 is held to the same ratios and says how far from the issue's size it is."""
    names = (
        "(e) term report, 100 M marks (bench-scale): full rebuild vs one SQL aggregate",
        "(e) term dashboard, 100 M marks (bench-scale): from summaries vs the same aggregate",
    )
    if got is None:
        note = "no bench-scale result yet: `make bench-scale SCALE=1` (hours), then `make bench` again"
        return [
            {**common.row(name, None, target=target, unit="s", note=note), "module": "bench_scale"}
            for name, target in zip(names, ("≤ 1.3", "≤ 0.05"), strict=True)
        ]
    size = (
        f"bench-scale on {got['date']} at SCALE {got['scale']:g}: {got['marks']:,} marks"
        + ("" if got["marks"] >= FULL_MARKS else f", {got['marks'] / FULL_MARKS:.1%} of the issue's 100 M")
        + f"; from {got['source']}"
    )
    rows = []
    for name, key, limit in zip(names, ("rebuild", "dashboard"), (1.3, 0.05), strict=True):
        ratio = got[key] / got["floor"]
        note = size
        if ratio > limit:
            note += (
                "; missed: the rebuild writes every school day's summaries (summaries_roll_range) "
                "where the floor only reads, in one aggregate"
                if key == "rebuild"
                else "; missed: the page's fixed cost (queries, rendering) against a floor that "
                "shrinks with the scale"
            )
        rows.append(
            common.row(
                name,
                got[key],
                floor=got["floor"],
                target=f"≤ {limit}",
                unit="s",
                passed=ratio <= limit,
                note=note,
            )
        )
    return [{**r, "module": "bench_scale"} for r in rows]


def with_scale(rows: list[dict]) -> list[dict]:
    """The bench-scale rows (read afresh each run) after the term_report rows."""
    rows = [r for r in rows if r.get("module") != "bench_scale"]
    extra = scale_rows(latest_scale())
    after = max((i for i, r in enumerate(rows) if r.get("module") == "term_report"), default=len(rows) - 1)
    return rows[: after + 1] + extra + rows[after + 1 :]


def merged(rows: list[dict], names: list[str]) -> list[dict]:
    """With --only, the other scenarios' rows of the last run (var/bench/results.json) are kept, so
    that RESULTS.md still holds the whole table; in SCENARIOS order."""
    previous = json.loads(LAST.read_text()) if LAST.exists() else []
    kept = [r for r in previous if r.get("module") not in names]
    order = {name: i for i, name in enumerate(SCENARIOS)}
    return sorted(kept + rows, key=lambda r: order.get(r.get("module"), len(order)))


def child(name: str, ctx_json: str, out: str) -> int:
    ctx = common.Context(**json.loads(ctx_json))
    module = importlib.import_module(f"bench.{name}")
    try:
        rows = module.run(ctx)
    except BaseException:
        traceback.print_exc()
        return 1
    Path(out).write_text(json.dumps(rows, ensure_ascii=False))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, for development")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--scale", type=int, default=common.DEFAULT_SCALE, help="demo children a class")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--ctx", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        return child(args.scenario, args.ctx, args.out)

    started = time.perf_counter()
    when = datetime.datetime.now(datetime.UTC)
    load = os.getloadavg()[0]
    subprocess.run([str(common.ROOT / "bin" / "start-services")], check=True)
    subprocess.run([str(common.ROOT / "bin" / "ensure-bench-tools")], check=True)
    names = available(args.only.split(",") if args.only else SCENARIOS)
    ctx = common.Context(scale=args.scale, quick=args.quick)
    # A fresh demo for (a)-(c); a scenario with a database of its own (term_report keeps a large
    # generated one between runs, stamped with the schema) decides about it itself.
    common.fresh_database(ctx.database_url)
    for suffix in ("_s", "_10s"):
        common.forget_demo(ctx.database_url + suffix)
    rows = []
    for name in names:
        rows += run_scenario(name, ctx)
    minutes = (time.perf_counter() - started) / 60
    if args.only:
        rows = merged(rows, names)
    rows = with_scale(rows)
    LAST.parent.mkdir(parents=True, exist_ok=True)
    LAST.write_text(json.dumps(rows, ensure_ascii=False))
    command = (
        "make bench" + (" (--quick)" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    )
    # The machine may be shared: its load says how far the figures are from a quiet one's.
    machine = {**common.machine(), "load": f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"}
    text = report.markdown(rows, machine=machine, when=when, command=command, minutes=minutes)
    RESULTS.write_text(text, encoding="utf-8")
    print()
    print(report.table(rows))
    print(f"\n{minutes:.1f} minutes; written to {RESULTS.relative_to(common.ROOT)}")
    return 0 if all(r.get("passed") is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
