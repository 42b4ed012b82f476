#!/usr/bin/env python
"""Enrollment day: 1,000 parents take second-round seats at the same moment (F4, F9 (c)).

Runs the real portal under gunicorn against PostgreSQL and Redis on this machine: seeds the demo at
84 children a class (1,008 at s1), opens s1's second round without class review, gives each of
1,000 guardians a signed-in session, then releases 1,000 threads together, each posting the real
application form for one child (one activity, first come first served). Reports status codes,
latency percentiles and whether any group holds more children than its capacity, and writes
bench/RESULTS-enrollment-burst.md.

    .venv/bin/python bench/enrollment_burst.py [--parents 1000] [--workers 4] [--threads 8]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379; it creates
and drops its own database `afterschool_bench`.
"""

import argparse
import http.client
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB = "afterschool_bench"
PORT = 8799
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": "redis://127.0.0.1:6379/5",
    "DEBUG": "0",
    "TESTING": "0",
    "SECRET_KEY": "bench-" + "k" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "60",
}


def run(*args, **kw):
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **ENV}, check=True, **kw)


def prepare_database(students_per_class: int) -> None:
    run("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB}")
    run("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DB}")
    run("redis-cli", "-n", "5", "flushdb", stdout=subprocess.DEVNULL)
    run(PY, "manage.py", "migrate", "-v0")
    run(PY, "manage.py", "collectstatic", "--noinput", "-v0")
    run(
        PY,
        "manage.py",
        "seed_demo",
        "--students-per-class",
        str(students_per_class),
        stdout=subprocess.DEVNULL,
    )


def prepare_round(parents: int) -> list[dict]:
    """Open s1's second round without review; one signed-in guardian per child; their requests."""
    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterschool.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from activities.models import ActivityGroup, Term
    from enrollment import services
    from enrollment.models import Application, Choice, EnrollmentWindow, NoticeAcknowledgement, Placement
    from schools.models import Guardianship, School

    school = School.objects.get(identifier="4101020001")
    term = Term.objects.get(school=school, name="2026年秋季学期")
    Placement.objects.filter(group__term=term).delete()
    Choice.objects.filter(application__term=term).delete()
    Application.objects.filter(term=term).delete()
    now = timezone.now()
    EnrollmentWindow.objects.filter(term=term).update(
        published_at=now, placement_run_at=now, second_round_open=True, second_round_needs_review=False
    )
    notice = services.notice_current(term)
    links = list(
        Guardianship.objects.filter(student__school=school, student__active=True)
        .select_related("guardian__user", "student__class_group")
        .order_by("student_id")
    )
    seen, picked = set(), []
    for link in links:  # one child per guardian, so that each request is a different family
        if link.guardian_id in seen:
            continue
        seen.add(link.guardian_id)
        picked.append(link)
        if len(picked) == parents:
            break
    NoticeAcknowledgement.objects.bulk_create(
        [NoticeAcknowledgement(notice=notice, guardian=link.guardian) for link in picked],
        ignore_conflicts=True,
    )
    groups = list(ActivityGroup.objects.filter(term=term).order_by("pk"))
    requests = []
    for index, link in enumerate(picked):
        grade = str(link.student.class_group.grade)
        open_groups = [g for g in groups if grade in g.grades]
        group = open_groups[index % len(open_groups)]
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
                        "days": ["1", "3", "5"],
                        "choice_1": str(group.code),
                        "pickup": "guardian",
                        "safety_commitment": "on",
                    },
                    doseq=True,
                ),
            }
        )
    return requests


def start_server(workers: int, threads: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "afterschool.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def burst(requests: list[dict]) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = [(0, 0.0)] * len(requests)
    gate = threading.Barrier(len(requests) + 1)

    def parent(i: int, req: dict) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        gate.wait()
        start = time.perf_counter()
        try:
            conn.request(
                "POST",
                req["path"],
                body=req["body"],
                headers={
                    "Cookie": req["cookie"],
                    "X-CSRFToken": req["csrf"],
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            status = conn.getresponse().status
        except OSError:
            status = -1
        results[i] = (status, time.perf_counter() - start)
        conn.close()

    threads = [threading.Thread(target=parent, args=(i, r), daemon=True) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    gate.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    print(f"burst of {len(requests)} finished in {time.perf_counter() - began:.2f} s")
    return results


def verify() -> dict:
    from django.db.models import Count, Q

    from activities.models import ActivityGroup, Term
    from enrollment.models import Application, Placement
    from schools.models import School

    term = Term.objects.get(school=School.objects.get(identifier="4101020001"), name="2026年秋季学期")
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=1000)
    parser.add_argument("--students-per-class", type=int, default=84)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    t0 = time.perf_counter()
    prepare_database(args.students_per_class)
    requests = prepare_round(args.parents)
    print(f"prepared {len(requests)} parents in {time.perf_counter() - t0:.0f} s")
    server = start_server(args.workers, args.threads)
    try:
        for _ in range(2 * args.workers):  # warm every worker's imports and connections
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
        results = burst(requests)
    finally:
        server.terminate()
        server.wait(timeout=30)
    outcome = verify()
    latencies = [lat for _status, lat in results]
    codes: dict[str, int] = {}
    for status, _lat in results:
        key = "error" if status < 0 else f"{status // 100}xx"
        codes[key] = codes.get(key, 0) + 1
    p50, p90, p99 = (percentile(latencies, p) for p in (50, 90, 99))
    errors_5xx = codes.get("5xx", 0) + codes.get("error", 0)
    ok = errors_5xx == 0 and not outcome["overbooked_groups"] and outcome["applications"] == len(requests)
    lines = [
        "# Enrollment-day burst",
        "",
        f"`.venv/bin/python bench/enrollment_burst.py` on {date.today()}: {len(requests)} guardians post the "
        "second-round application form for their child at the same moment (one thread each, released "
        f"together) to gunicorn ({args.workers} workers × {args.threads} threads, gthread) with PostgreSQL "
        "and Redis on the same machine.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.",
        "",
        "| figure | value | target |",
        "| --- | ---: | --- |",
        f"| responses 5xx or failed | {errors_5xx} | 0 |",
        f"| responses 3xx (accepted, redirected) | {codes.get('3xx', 0)} | all |",
        f"| responses 2xx/4xx (form refused) | {codes.get('2xx', 0) + codes.get('4xx', 0)} | 0 |",
        f"| overbooked groups | {len(outcome['overbooked_groups'])} | 0 |",
        f"| applications saved | {outcome['applications']} | {len(requests)} |",
        f"| seats taken / wait-listed (of {outcome['seats']} seats) "
        f"| {outcome['placed']} / {outcome['waitlisted']} | ≤ seats |",
        f"| latency p50 / p90 / p99 | {p50:.2f} s / {p90:.2f} s / {p99:.2f} s | p99 ≤ 2 s |",
        f"| latency mean / max | {statistics.mean(latencies):.2f} s / {max(latencies):.2f} s | |",
        "",
        f"Result: {'correct (no 5xx, no overbooking)' if ok else 'FAILED'}; p99 "
        f"{'meets' if p99 <= 2 else 'misses'} the 2 s target.",
    ]
    (ROOT / "bench" / "RESULTS-enrollment-burst.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
