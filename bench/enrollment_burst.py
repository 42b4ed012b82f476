#!/usr/bin/env python
"""Enrollment day: 1,000 parents take second-round seats at the same moment, then paced (F4, F9 (c), F18).

Runs the real portal under gunicorn against PostgreSQL and Redis on this machine: seeds the demo at
84 children a class (1,008 at s1), opens s1's second round without class review, gives each of
1,000 guardians a signed-in session, then releases 1,000 threads together, each posting the real
application form for one child (one activity, first come first served). Reports status codes,
latency percentiles and whether any group holds more children than its capacity. Then the round is
emptied and the same 1,000 posts arrive paced evenly over 60 s (target: p99 ≤ 1 s), and again over
10 s (reported), each with its percentiles, 5xx and overbooking: one thread a parent, each sleeping
until its moment, loopback only. Writes
bench/RESULTS-enrollment-burst.md (the table; a hand-written analysis below it is kept). The floor
is the p99 of the same burst of GETs of a bare "hello" view (bench/settings.py) on the same server:
what the framework alone costs 1,000 requests arriving together. gunicorn runs with gunicorn.conf.py
(the production config) unless --workers/--threads say otherwise.

    .venv/bin/python bench/enrollment_burst.py [--parents 1000] [--workers 4] [--threads 8]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379; it creates
and drops its own database `afterschool_bench`. Within `make bench` (bench/run_all.py) it runs as
run(ctx) on the demo database that the page-cost benchmark seeded.
"""

import argparse
import http.client
import os
import secrets
import statistics
import sys
import threading
import time
import urllib.parse
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

ROOT = common.ROOT
PORT = 8799
RESULTS = ROOT / "bench" / "RESULTS-enrollment-burst.md"
# F18: the burst's p99 against the p99 of the same burst of hellos; paced arrivals' p99 in seconds
# (held over 60 s; over 10 s reported).
TARGET_P99 = 2.0
PACED = (60, 10)
PACED_HELD = 60
PACED_TARGET_P99 = 1.0


def prepare_round(ctx: common.Context, parents: int) -> list[dict]:
    """Open s1's second round without review; one signed-in guardian per child; their requests."""
    common.django_setup(ctx)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from enrollment import services
    from enrollment.days import groups_weekdays
    from enrollment.models import EnrollmentWindow, NoticeAcknowledgement
    from schools.models import Guardianship, School

    school = School.objects.get(identifier="4101020001")
    term = reset_round()
    now = timezone.now()
    EnrollmentWindow.objects.filter(term=term).update(
        published_at=now, placement_run_at=now, second_round_open=True, second_round_needs_review=False
    )
    notice = services.notice_current(term)
    links = list(
        # Guardianships that may apply: neither restricted nor ended by the school (they get a 404).
        Guardianship.objects.filter(
            student__school=school, student__active=True, restricted=False, ended_at=None
        )
        .select_related("guardian__user", "student__class_group")
        .order_by("student_id")
    )
    seen, children, picked = set(), set(), []
    for link in links:
        # One child per guardian and one guardian per child, so that each request is a different
        # family: a child's second guardian would apply for the same child and be refused.
        if link.guardian_id in seen or link.student_id in children:
            continue
        # The groups the apply form offers this child (grades, review, safety gate), as a family sees.
        open_groups = list(services.groups_open_to(term=term, student=link.student).order_by("pk"))
        if not open_groups:
            continue
        seen.add(link.guardian_id)
        children.add(link.student_id)
        picked.append((link, open_groups[len(picked) % len(open_groups)]))
        if len(picked) == parents:
            break
    NoticeAcknowledgement.objects.bulk_create(
        [NoticeAcknowledgement(notice=notice, guardian=link.guardian) for link, _group in picked],
        ignore_conflicts=True,
    )
    weekdays = groups_weekdays({group.pk for _link, group in picked})
    requests = []
    for link, group in picked:
        user = link.guardian.user
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "schools.auth.UsernameOrMobileBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        csrf = secrets.token_hex(16)  # a 32-character secret, as Django's csrftoken cookie holds
        requests.append(
            {
                "path": f"/enrollment/children/{link.student.code}/apply/",
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={csrf}",
                "csrf": csrf,
                "body": urllib.parse.urlencode(
                    {
                        # The group's own days: a choice with no day in common is refused (F12).
                        "days": list(weekdays[group.pk]),
                        "choice_1": str(group.code),
                        "pickup": "guardian",
                        "safety_commitment": "on",
                    },
                    doseq=True,
                ),
            }
        )
    return requests


def reset_round():
    """No application, choice or placement in the demo term whose placement is published (seed_demo
    follows the calendar): every seat free again, so that each run starts from the same round."""
    from django.utils import timezone

    from activities.models import Term
    from enrollment.models import Application, Choice, Placement
    from schools import schoolyear
    from schools.models import School

    school = School.objects.get(identifier="4101020001")
    term = Term.objects.get(school=school, name=schoolyear.history_term(timezone.localdate()).name)
    Placement.objects.filter(group__term=term).delete()
    Choice.objects.filter(application__term=term).delete()
    Application.objects.filter(term=term).delete()
    return term


def send(req: dict | None) -> int:
    """POST one parent's application form (None: GET the bare hello view); the status, -1 if the
    connection failed."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    try:
        if req is not None and "body" in req:
            headers = {
                "Cookie": req["cookie"],
                "X-CSRFToken": req["csrf"],
                "Content-Type": "application/x-www-form-urlencoded",
            }
            conn.request("POST", req["path"], body=req["body"], headers=headers)
        else:
            conn.request("GET", "/bench/hello", headers={"Cookie": req["cookie"]} if req else {})
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return -1
    finally:
        conn.close()


def schedule(count: int, seconds: float) -> list[float]:
    """When each of `count` arrivals starts, spread evenly over `seconds` (the first at 0)."""
    return [i * seconds / count for i in range(count)]


def paced(requests: list[dict], seconds: float) -> list[tuple[int, float]]:
    """One thread per request, each sending at its moment of an even spread over `seconds`;
    (status, seconds from sending to the whole response) of each."""
    results: list[tuple[int, float]] = [(0, 0.0)] * len(requests)
    began = time.perf_counter() + 1.0  # every thread started before the first arrival

    def parent(i: int, req: dict, at: float) -> None:
        time.sleep(max(0.0, began + at - time.perf_counter()))
        start = time.perf_counter()
        results[i] = (send(req), time.perf_counter() - start)

    moments = schedule(len(requests), seconds)
    threads = [
        threading.Thread(target=parent, args=(i, r, at), daemon=True)
        for i, (r, at) in enumerate(zip(requests, moments, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - began
    print(f"  {len(requests)} POSTs paced over {seconds:.0f} s finished in {took:.1f} s", flush=True)
    return results


def burst(requests: list[dict], *, method: str = "POST") -> list[tuple[int, float]]:
    """Release one thread per request at the same moment; (status, seconds) of each."""
    results: list[tuple[int, float]] = [(0, 0.0)] * len(requests)
    gate = threading.Barrier(len(requests) + 1)

    def parent(i: int, req: dict) -> None:
        gate.wait()
        start = time.perf_counter()
        status = send(req if method == "POST" else {"cookie": req["cookie"]})
        results[i] = (status, time.perf_counter() - start)

    threads = [threading.Thread(target=parent, args=(i, r), daemon=True) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    gate.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    took = time.perf_counter() - began
    print(f"  burst of {len(requests)} {method}s finished in {took:.2f} s", flush=True)
    return results


def verify() -> dict:
    from django.db.models import Count, Q
    from django.utils import timezone

    from activities.models import ActivityGroup, Term
    from enrollment.models import Application, Placement
    from schools import schoolyear
    from schools.models import School

    name = schoolyear.history_term(timezone.localdate()).name
    term = Term.objects.get(school=School.objects.get(identifier="4101020001"), name=name)
    groups = ActivityGroup.objects.filter(term=term).annotate(
        placed=Count("placements", filter=Q(placements__status="placed"))
    )
    over = [g.name for g in groups if g.placed > g.capacity]
    return {
        "applications": Application.objects.filter(term=term).count(),
        "placed": Placement.objects.filter(group__term=term, status="placed").count(),
        "waitlisted": Placement.objects.filter(group__term=term, status="waitlisted").count(),
        "seats": sum(g.capacity for g in groups),
        "overbooked_groups": over,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(results: list[tuple[int, float]], outcome: dict, parents: int) -> dict:
    """Status classes, latency percentiles and correctness of one run."""
    latencies = [lat for _status, lat in results]
    codes: dict[str, int] = {}
    for status, _lat in results:
        key = "error" if status < 0 else f"{status // 100}xx"
        codes[key] = codes.get(key, 0) + 1
    errors_5xx = codes.get("5xx", 0) + codes.get("error", 0)
    over = len(outcome["overbooked_groups"])
    return {
        "codes": codes,
        "p50": percentile(latencies, 50),
        "p90": percentile(latencies, 90),
        "p99": percentile(latencies, 99),
        "mean": statistics.mean(latencies),
        "max": max(latencies),
        "errors_5xx": errors_5xx,
        "refused": codes.get("2xx", 0) + codes.get("4xx", 0),
        "over": over,
        "correct": errors_5xx == 0 and not over and outcome["applications"] == parents,
        "outcome": outcome,
    }


def measure(ctx: common.Context, requests: list[dict], config: dict, spreads: list[float]) -> dict:
    """On one server: the burst of hellos (the floor), the burst of applications, then each paced
    run (the round emptied before each)."""
    with common.Server(ctx, port=PORT, settings_module="bench.settings", config=config):
        for _ in range(8):  # warm every worker's imports and connections
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
        floor = burst(requests, method="GET")
        got = {"floor_p99": percentile([lat for _status, lat in floor], 99)}
        got["burst"] = summary(burst(requests), verify(), len(requests))
        for seconds in spreads:
            reset_round()
            got[seconds] = summary(paced(requests, seconds), verify(), len(requests))
    return got


def burst_rows(got: dict, parents: int, workers: int) -> list[dict]:
    b, floor = got["burst"], got["floor_p99"]
    what = f"{parents} parents at once"
    passed = b["p99"] <= TARGET_P99 * floor
    bound = (
        ""
        if passed
        else f"; missed: bound by throughput: the last answer came after {b['max']:.1f} s, about "
        f"{b['max'] * 1000 / parents:.0f} ms of the server a request with {workers} workers on "
        f"{os.cpu_count()} cores, and a request waits for those queued before it"
    )
    return [
        common.row(
            f"(c) enrollment burst, {parents:,} at once: p99 latency / hello burst p99",
            b["p99"],
            floor=floor,
            target=f"≤ {TARGET_P99:.1f}×",
            unit="s",
            passed=passed,
            note=f"{what}; floor: p99 of the same burst of GETs of the bare hello view; "
            f"p50 {b['p50']:.2f} s, p90 {b['p90']:.2f} s{bound}",
        ),
        common.row(
            "(c) enrollment burst: 5xx or failed responses",
            b["errors_5xx"],
            target="0",
            passed=b["errors_5xx"] == 0,
            note=f"{what}; {b['codes'].get('3xx', 0)} accepted, {b['refused']} refused by the form",
        ),
        common.row(
            "(c) enrollment burst: overbooked groups",
            b["over"],
            target="0",
            passed=b["over"] == 0 and b["correct"],
            note=f"{b['outcome']['placed']} of {b['outcome']['seats']} seats taken, "
            f"{b['outcome']['waitlisted']} wait-listed, {b['outcome']['applications']} applications saved",
        ),
    ]


def paced_rows(got: dict, parents: int, spreads: dict) -> list[dict]:
    """Per paced run: the p99 (held to PACED_TARGET_P99 over 60 s, reported over 10 s) and its
    correctness (no 5xx, no overbooking, every application saved)."""
    rows = []
    capacity = parents / got["burst"]["max"]  # applications a second the server answered in the burst
    for nominal, seconds in spreads.items():
        p = got[seconds]
        rate = parents / seconds
        held = nominal == PACED_HELD
        passed = p["p99"] <= PACED_TARGET_P99 if held else None
        what = f"{parents} parents over {seconds:.0f} s ({rate:.0f} a second)"
        note = f"{what}; p50 {p['p50']:.2f} s, p90 {p['p90']:.2f} s, max {p['max']:.2f} s"
        note += f"; the burst was answered at {capacity:.0f} a second"
        if passed is False or (not held and p["p99"] > PACED_TARGET_P99):
            note += (
                "; bound by throughput: arrivals faster than the workers answer queue up"
                if rate > capacity * 0.8
                else "; bound by the slowest requests' CPU time in the workers"
            )
        rows += [
            common.row(
                f"(c) enrollment paced, {parents:,} over {seconds:.0f} s: p99 latency",
                p["p99"],
                target=f"≤ {PACED_TARGET_P99:.0f} s" if held else "reported (no target)",
                unit="s",
                passed=passed,
                note=note,
            ),
            common.row(
                f"(c) enrollment paced over {seconds:.0f} s: 5xx, failed or overbooked",
                p["errors_5xx"] + p["over"],
                target="0",
                passed=p["errors_5xx"] == 0 and p["correct"],
                note=f"{p['errors_5xx']} 5xx or failed, {p['over']} overbooked groups, "
                f"{p['outcome']['applications']} applications saved, {p['outcome']['placed']} of "
                f"{p['outcome']['seats']} seats taken",
            ),
        ]
    return rows


def run(ctx: common.Context) -> list[dict]:
    """The burst and the paced runs on the context's database (the demo at ctx.scale a class, seeded
    if needed). --quick: 200 parents, the paced runs at the same rate (so 12 s and 2 s)."""
    parents = int(ctx.extra.get("parents", 200 if ctx.quick else 1000))
    config = ctx.extra.get("server") or {"max_requests": 0}
    t0 = time.perf_counter()
    common.ensure_demo(ctx, ctx.scale)
    requests = prepare_round(ctx, parents)
    print(f"  prepared {len(requests)} parents in {time.perf_counter() - t0:.0f} s", flush=True)
    # The same arrival rate whatever the number of parents: 1,000 over 60 s is 200 over 12 s.
    spreads = {nominal: nominal * len(requests) / 1000 for nominal in PACED}
    got = measure(ctx, requests, config, list(spreads.values()))
    model = common.gunicorn_model()
    workers = model["workers_per_core"] * (os.cpu_count() or 1)
    described = "configured by --workers/--threads" if len(config) > 1 else common.describe_model(model)
    rows = burst_rows(got, len(requests), workers) + paced_rows(got, len(requests), spreads)
    if not ctx.quick:  # --quick runs leave the results file of the last full run alone
        write_results(ctx, len(requests), got, spreads, described)
    return rows


def write_results(ctx, parents: int, got: dict, spreads: dict, model: str) -> None:
    """bench/RESULTS-enrollment-burst.md: the table, keeping the hand-written analysis below it."""
    b, floor_p99 = got["burst"], got["floor_p99"]
    codes, outcome = b["codes"], b["outcome"]
    machine = common.machine()
    lines = [
        "# Enrollment-day burst",
        "",
        f"`.venv/bin/python bench/enrollment_burst.py` on {date.today()}: {parents} guardians post the "
        "second-round application form for their child at the same moment (one thread each, released "
        f"together) to gunicorn (gunicorn.conf.py, {model}) with PostgreSQL and Redis on the same machine; "
        f"the demo at {ctx.scale} children a class. Then the same {parents} posts paced evenly over "
        + " and ".join(f"{s:.0f} s" for s in spreads.values())
        + " (the round emptied before each).",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} CPUs, Python {machine['python']}, "
        f"PostgreSQL {machine['postgresql']}, Redis {machine['redis']}.",
        "",
        "| figure | value | target |",
        "| --- | ---: | --- |",
        f"| responses 5xx or failed | {b['errors_5xx']} | 0 |",
        f"| responses 3xx (accepted, redirected) | {codes.get('3xx', 0)} | all |",
        f"| responses 2xx/4xx (form refused) | {b['refused']} | 0 |",
        f"| overbooked groups | {b['over']} | 0 |",
        f"| applications saved | {outcome['applications']} | {parents} |",
        f"| seats taken / wait-listed (of {outcome['seats']} seats) "
        f"| {outcome['placed']} / {outcome['waitlisted']} | ≤ seats |",
        f"| latency p50 / p90 / p99 | {b['p50']:.2f} s / {b['p90']:.2f} s / {b['p99']:.2f} s "
        f"| p99 ≤ {TARGET_P99:.1f}× the floor |",
        f"| latency mean / max | {b['mean']:.2f} s / {b['max']:.2f} s | |",
        f"| floor: p99 of the same burst of GETs of a bare hello view | {floor_p99:.2f} s | |",
        "",
        "| paced over | p50 | p90 | p99 | 5xx or failed | overbooked groups | applications saved | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for nominal, seconds in spreads.items():
        p = got[seconds]
        target = f"p99 ≤ {PACED_TARGET_P99:.0f} s" if nominal == PACED_HELD else "reported"
        lines.append(
            f"| {seconds:.0f} s | {p['p50']:.2f} s | {p['p90']:.2f} s | {p['p99']:.2f} s | "
            f"{p['errors_5xx']} | {p['over']} | {p['outcome']['applications']} | {target} |"
        )
    lines += [
        "",
        f"Result: {'correct (no 5xx, no overbooking)' if b['correct'] else 'FAILED'}; burst p99 "
        f"{'meets' if b['p99'] <= TARGET_P99 * floor_p99 else 'misses'} the {TARGET_P99:.1f}× target.",
    ]
    kept = ""
    if RESULTS.exists():
        old = RESULTS.read_text(encoding="utf-8")
        if "\n## " in old:
            kept = "\n" + old[old.index("\n## ") + 1 :]
    RESULTS.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")
    print("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=1000)
    parser.add_argument("--students-per-class", type=int, default=common.DEFAULT_SCALE)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="gthread threads a worker (default: gunicorn.conf.py)")
    parser.add_argument("--database-url", default=common.PG + common.DEFAULT_DB)
    args = parser.parse_args()
    server = {"max_requests": 0}
    if args.workers:
        server["workers"] = args.workers
    if args.threads:
        server |= {"worker_class": "gthread", "threads": args.threads}
    ctx = common.Context(
        database_url=args.database_url,
        scale=args.students_per_class,
        extra={"parents": args.parents, "server": server},
    )
    common.fresh_database(ctx.database_url)
    rows = run(ctx)
    return 0 if all(r["passed"] for r in rows[1:]) else 1


if __name__ == "__main__":
    sys.exit(main())
