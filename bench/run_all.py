#!/usr/bin/env python
"""`make bench`: every benchmark of bench/ against PostgreSQL and Redis, one table.

Starts PostgreSQL and Redis if they are down (bin/start-services), installs wrk if missing
(bin/ensure-bench-tools), starts from a fresh bench database, then runs each scenario module in a
process of its own (each loads Django against its own database) and collects its rows:

  (a) page_cost         pages' requests per second against a bare "hello" view, same server
  (b) query_growth      every page's query count at data scale S and 10S
  (c) enrollment_burst  1,000 parents take second-round seats at the same moment
  (d) roster_import     a 10,000-student roster against its floor
  (e) term_report       term report and dashboard (when bench/term_report.py is present)

Prints the table (scenario, figure, floor, ratio, target, pass/fail) and writes bench/RESULTS.md
with the date and the machine. --quick makes every scenario short, for development; --only reruns
some scenarios and keeps the other rows of the last run.

    .venv/bin/python bench/run_all.py [--quick] [--only page_cost,query_growth] [--scale 84]
"""

import argparse
import datetime
import importlib
import json
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
    LAST.parent.mkdir(parents=True, exist_ok=True)
    LAST.write_text(json.dumps(rows, ensure_ascii=False))
    command = (
        "make bench" + (" (--quick)" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    )
    text = report.markdown(rows, machine=common.machine(), when=when, command=command, minutes=minutes)
    RESULTS.write_text(text, encoding="utf-8")
    print()
    print(report.table(rows))
    print(f"\n{minutes:.1f} minutes; written to {RESULTS.relative_to(common.ROOT)}")
    return 0 if all(r.get("passed") is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
