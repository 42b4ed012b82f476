#!/usr/bin/env python
"""Where the time of the pages at the rush goes (F18), in this process: no server, no load
generator. Each page is asked for through Django's test client, signed in, caches warm; the figure is
CPU milliseconds of this process a request (time.process_time: the portal's own Python, not the
database's) and wall milliseconds, with the bare "hello" of bench/settings.py beside them for the
ratio (hello CPU / page CPU is what the req/s ratio of bench/page_cost.py tends to on one core).
With --profile, pyinstrument samples the same requests and the heaviest functions by own time and
by total time are printed (bench/PROFILE.md records them).

Pages: the anonymous and the signed-in hello (bench/views.py); the parent's home; the roll-call
page and its submit (the largest recent group of s1, 32 children at the demo's 84 a class); the
still-here board (every child of s1's sessions of a weekday marked present and not yet collected,
at 17:30 that day; about 200 children); the gate's pick-up check (a look-up by a guardian's mobile
number: s1_parent's, whose children have no session that day, and as "pickup-found" that of a
guardian of a child in care). Whatever the run writes (the board's roll calls, the submits) is
rolled back at the end. Each page's line also gives the queries of one warm request.

    .venv/bin/python bench/profile_pages.py [--database-url URL] [--redis-url URL] [-n 30]
        [--profile]
        [--pages anon-hello,signed-in-hello,home,roll,submit,still-here,pickup,pickup-found]

The database must hold the demo (`manage.py seed_demo --students-per-class 84` on it).
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

PAGES = [
    "hello",
    "anon-hello",
    "signed-in-hello",
    "home",
    "roll",
    "submit",
    "still-here",
    "pickup",
    "pickup-found",
]
AT_THE_BOARD = ("still-here", "pickup", "pickup-found")


class Rollback(Exception):
    pass


def prepare():
    """{page: (client, method, path, bodies)} and a description of the data."""
    from django.urls import reverse
    from django.utils import timezone

    from activities.models import Session
    from safety.selectors import attendance
    from schools.models import Guardian, User

    s1 = "4101020001"
    parent = User.objects.get(username="s1_parent")
    recent = (
        Session.objects.filter(group__activity__school__identifier=s1, date__lte=timezone.localdate())
        .select_related(*attendance.SESSION_RELATED)
        .order_by("-date", "pk")[:40]
    )
    session = max(attendance.rosters(list(recent)), key=lambda r: len(r.roll)).session
    teacher = session.lead
    roll = [c for c in attendance.roster(session).roll if c.leave is None]
    body = {f"s-{c.student.code}": "present" for c in roll}
    late = dict(body)
    late[next(iter(body))] = "late"
    guard = User.objects.get(username="s1_guard")
    mobile = Guardian.objects.filter(user=parent).values_list("mobile", flat=True).first()

    roll_path = reverse("safety:roll-call", kwargs={"session_code": session.code})
    pages = {
        "hello": (parent, "get", reverse("bench-hello"), None),
        "anon-hello": (None, "get", reverse("bench-hello"), None),
        "signed-in-hello": (parent, "get", reverse("bench-signed-in-hello"), None),
        "home": (parent, "get", reverse("home"), None),
        "roll": (teacher, "get", roll_path, None),
        "submit": (teacher, "post", roll_path, [body, late]),
        "still-here": (guard, "get", reverse("safety:still-here"), None),
        "pickup": (guard, "get", reverse("safety:pickup-check") + f"?q={mobile}", None),
    }
    return pages, {"roll": len(roll), "school": s1}


def board_day(info) -> datetime.datetime:
    """17:30 of the next weekday of s1's sessions, every child of the sessions started by then
    marked present by the session's lead (nobody collected yet): the still-here board's rush."""
    from django.utils import timezone

    from activities.models import Session
    from safety.selectors import attendance
    from safety.services import attendance as attendance_services

    today = timezone.localdate()
    day = (
        Session.objects.filter(group__activity__school__identifier=info["school"], date__gt=today)
        .exclude(date__week_day__in=[1, 7])
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 30)))
    sessions = Session.objects.filter(
        group__activity__school__identifier=info["school"], date=day, start__lte=at.time()
    ).select_related(*attendance.SESSION_RELATED)
    for item in attendance.rosters(list(sessions)):
        marks = {c.student.pk: "present" for c in item.roll if c.leave is None}
        if marks:
            attendance_services.roll_call_save(
                session=item.session, actor=item.session.lead, marks=marks, now=at
            )
    return at


def found_at_the_gate(guard, at, info):
    """The pick-up check by the mobile of a guardian whose child is in care at the board's moment
    (the "pickup" page looks up s1_parent, whose children have no session that day)."""
    from django.urls import reverse

    from safety.models import Attendance
    from schools.models import Guardianship

    student_id = (
        Attendance.objects.filter(date=at.date(), session__group__activity__school__identifier=info["school"])
        .order_by("pk")
        .values_list("student_id", flat=True)
        .first()
    )
    mobile = (
        Guardianship.objects.filter(student_id=student_id).values_list("guardian__mobile", flat=True).first()
    )
    return guard, "get", reverse("safety:pickup-check") + f"?q={mobile}", None


def signed_in(page):
    """A client signed in as the page's user (at the clock of the moment: the staff idle timeout);
    anonymous for a page without a user."""
    from django.test import Client

    user, method, path, bodies = page
    client = Client()
    if user is not None:
        client.force_login(user)
    return client, method, path, bodies


def queries(page) -> int:
    """The queries one request of the page makes (warm)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run(page, 1)
    return len(captured.captured_queries)


def run(page, n: int) -> list[tuple[float, float]]:
    client, method, path, bodies = page
    out = []
    for i in range(n):
        cpu, wall = time.process_time(), time.perf_counter()
        if method == "post":
            response = client.post(path, bodies[i % 2])
            assert response.status_code == 302, response.status_code
        else:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        out.append(((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))
    return out


PROJECT = (
    "activities/",
    "audit/",
    "enrollment/",
    "notices/",
    "oversight/",
    "privacy/",
    "safety/",
    "schools/",
)
WAITING = ("django/db/backends/utils.py", "socket.", "psycopg")


def heaviest(session, limit: int) -> list[str]:
    """Where the sampled (wall) time went: the share spent waiting on PostgreSQL and Redis, the
    functions with the most own time otherwise, and the project's functions by total time."""
    own, total = {}, {}

    def walk(frame, stack):
        key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        own[key] = own.get(key, 0) + frame.total_self_time
        if key not in stack:
            total[key] = total.get(key, 0) + frame.time
        for child in frame.children:
            walk(child, stack | {key})

    root = session.root_frame()
    whole = root.time or 1
    walk(root, frozenset())
    waiting = sum(t for k, t in own.items() if any(w in k for w in WAITING))
    lines = [f"  waiting on the database and the cache: {waiting / whole:.1%}", "  own time (the rest):"]
    rest = [(k, t) for k, t in own.items() if not any(w in k for w in WAITING)]
    lines += [f"    {t / whole:6.1%}  {k}" for k, t in sorted(rest, key=lambda kv: -kv[1])[:limit]]
    project = {
        k: t for k, t in total.items() if k.split("(", 1)[1].startswith(PROJECT) and "middleware" not in k
    }
    lines.append("  total time (project code, not middleware):")
    top = sorted(project.items(), key=lambda kv: -kv[1])[:limit]
    lines += [f"    {t / whole:6.1%}  {k}" for k, t in top]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=common.PG + "as_rush")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--pages", default=",".join(PAGES[1:]))
    args = parser.parse_args()
    ctx = common.Context(database_url=args.database_url, redis_url=args.redis_url)
    common.django_setup(ctx, "bench.settings")

    import time_machine
    from django.db import transaction

    keys = ["hello", *[k for k in args.pages.split(",") if k != "hello"]]
    try:
        with transaction.atomic():
            pages, info = prepare()
            at = board_day(info) if set(AT_THE_BOARD) & set(keys) else None
            if at is not None:
                pages["pickup-found"] = found_at_the_gate(pages["pickup"][0], at, info)
            print(f"roll call: {info['roll']} children; board at {at}", flush=True)
            for key in keys:
                travel = time_machine.travel(at, tick=False) if key in AT_THE_BOARD else None
                if travel:
                    travel.start()
                try:
                    page = signed_in(pages[key])
                    run(page, 3)  # warm: caches, templates, the session
                    times = run(page, args.n)
                    cpu = statistics.median(t for t, _ in times)
                    wall = statistics.median(w for _, w in times)
                    if key == "hello":
                        hello = cpu
                    print(
                        f"{key:15} cpu {cpu:7.2f} ms  wall {wall:7.2f} ms  hello/page {hello / cpu:5.3f}"
                        f"  queries {queries(page)}",
                        flush=True,
                    )
                    if args.profile and key != "hello":
                        from pyinstrument import Profiler
                        from pyinstrument.stack_sampler import get_stack_sampler

                        # Sample on this process's CPU clock: waiting on PostgreSQL counts nothing.
                        get_stack_sampler().timer_func = time.process_time
                        profiler = Profiler(interval=0.0005)
                        profiler.start()
                        run(page, args.n)
                        profiler.stop()
                        print("\n".join(heaviest(profiler.last_session, args.top)), flush=True)
                finally:
                    if travel:
                        travel.stop()
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
