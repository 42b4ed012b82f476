#!/usr/bin/env python
"""Page cost against the framework's ceiling (F9 (a), F18).

Requests per second of each page divided by the same server's requests per second for a bare view
behind the same middleware (bench/settings.py adds them; the product has no such URL):

- the signed-in hello (login_required: session and user read, then a bare response) against the
  anonymous hello: what being signed in costs;
- the parent's home, the roll-call page and its submit (the largest recent class of s1, about 32
  children), the still-here board (200 children of s1 in care today) and the gate's pick-up check
  (a look-up by a guardian's mobile) against the signed-in hello.

gunicorn runs with gunicorn.conf.py, pinned to core 0 (`taskset -c 0`); the load generator, wrk, to
core 1. Rounds are interleaved (every page, then again) and the figure is the median; the ratio is
the median of each round's page / its floor. Signed-in sessions are made directly (a cookie), the
submit posts the whole class with a CSRF token, alternating two sets of marks so that every post
saves a correction. Today is made a day with 200 children still on site: s1's groups get a session
today (a make-up working day of the term when today is a weekend) with 200 children marked present
and none released. The naive roll-call page (bench/views.py: the same page with one query per child
and related row) is measured beside it, to show that the benchmark tells them apart. Each row's note
gives the page's queries and its CPU time a request in this process, against the signed-in hello's:
what bounds a page that misses its target. Worker models (sync, gthread) are compared by the same
ratios; only the production one (gunicorn.conf.py) is held to the targets.

    .venv/bin/python bench/page_cost.py [--quick] [--scale 84] [--database-url URL]
"""

import argparse
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

PORT = 8797
# F18: each page against its floor (the anonymous hello for the signed-in one, else the signed-in
# hello). The pick-up check has no target in the issue: it is reported beside the 0.30 of a page.
TARGETS = {"hello": 0.5, "home": 0.5, "roll": 0.30, "submit": 0.25, "board": 0.20}
REPORTED = {"gate": 0.30}
LABELS = {
    "hello": "signed-in hello (parent) / anonymous hello",
    "home": "parent home / signed-in hello",
    "roll": "roll-call page / signed-in hello",
    "submit": "roll-call submit / signed-in hello",
    "board": "still-here board, 200 children / signed-in hello",
    "gate": "pick-up check page / signed-in hello",
    "naive": "naive roll-call page (no prefetching) / signed-in hello",
}
# The page each one is divided by.
FLOORS = {"hello": "anon"}
BOARD_CHILDREN = 200
ALL_KEYS = ["anon", "hello", "home", "roll", "submit", "board", "gate", "naive"]
COMPARED_KEYS = ["anon", "hello", "home", "roll", "submit"]
# Worker models compared by the same ratios; the production one (gunicorn.conf.py) runs first.
MODELS = [
    {"worker_class": "sync", "workers_per_core": 2, "threads": 1},
    {"worker_class": "sync", "workers_per_core": 1, "threads": 1},
    {"worker_class": "gthread", "workers_per_core": 2, "threads": 4},
]


def models(quick: bool) -> list[dict]:
    production = common.gunicorn_model()
    others = [m for m in MODELS if m != production]
    return [production] if quick else [production, *others]


def still_here_today(session, children: int) -> dict:
    """Today at s1 with this many children in care: a session today for as many of the term's
    groups as it takes (00:05-23:55, so the board holds them all day), a make-up working day of the
    term when today is a weekend, the children marked present and none released; the others of
    those sessions marked absent. The session of the roll call gives the term."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from activities.models import MakeupDay, Session
    from safety.models import Attendance
    from safety.selectors import attendance

    today, now = timezone.localdate(), timezone.now()
    term, school = session.group.term, session.group.activity.school
    board = attendance.board(school=school, now=now, grace_minutes=30)
    if len(board.rows) >= children:  # made by an earlier run on this database
        return {"sessions": 0, "on_board": len(board.rows), "unaccounted": len(board.unaccounted)}
    if today.isoweekday() > 5:
        MakeupDay.objects.get_or_create(term=term, date=today, defaults={"runs_as": 1})
    placed, seen, made = [], set(), []
    with transaction.atomic():
        groups = term.groups.filter(activity__school=school).order_by("pk")
        for group in groups:
            proto = group.sessions.order_by("-date").first()
            if proto is None or group.sessions.filter(date=today).exists():
                continue
            made.append(
                Session.objects.create(
                    group=group,
                    date=today,
                    start=datetime.time(0, 5),
                    end=datetime.time(23, 55),
                    venue=proto.venue,
                    lead=proto.lead,
                    has_records=True,
                )
            )
            roster = attendance.roster(
                Session.objects.select_related(*attendance.SESSION_RELATED).get(pk=made[-1].pk)
            )
            for child in roster.children:
                if child.student.pk not in seen and child.leave is None and child.release is None:
                    seen.add(child.student.pk)
                    placed.append(child)
            if len(placed) >= children:
                break
        marks = [
            Attendance(
                session=c.session,
                student=c.student,
                date=today,
                status="present" if i < children else "absent",
                marked_by=c.session.lead,
                marked_at=now,
            )
            for i, c in enumerate(placed)
        ]
        Attendance.objects.bulk_create(marks)
    board = attendance.board(school=school, now=timezone.now(), grace_minutes=30)
    return {"sessions": len(made), "on_board": len(board.rows), "unaccounted": len(board.unaccounted)}


def prepare(ctx: common.Context) -> dict:
    """Sessions for s1's parent, admin, gate guard and the lead of s1's largest recent session;
    today's still-here board; the requests, their queries and their CPU time in this process."""
    common.django_setup(ctx, "bench.settings")
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse
    from django.utils import timezone

    from activities.models import Session
    from safety.selectors import attendance
    from schools.models import Guardianship, User

    def cookie(user) -> tuple[str, str]:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "schools.auth.UsernameOrMobileBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session["_last_seen"] = int(time.time())
        session.create()
        csrf = secrets.token_hex(16)
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={csrf}", csrf

    parent = User.objects.get(username="s1_parent")
    admin, guard = User.objects.get(username="s1_admin"), User.objects.get(username="s1_guard")
    recent = (
        Session.objects.filter(
            group__activity__school__identifier="4101020001", date__lte=timezone.localdate()
        )
        .select_related(*attendance.SESSION_RELATED)
        .order_by("-date", "pk")[:40]
    )
    session = max(attendance.rosters(list(recent)), key=lambda r: len(r.roll)).session
    teacher = session.lead
    roll = [c for c in attendance.roster(session).roll if c.leave is None]
    board = still_here_today(session, BOARD_CHILDREN)
    today = attendance.school_sessions_on([session.group.activity.school_id], timezone.localdate())
    in_care = [c for item in attendance.rosters(today) for c in item.in_care]
    mobile = Guardianship.objects.filter(student=in_care[0].student).values_list(
        "guardian__mobile", flat=True
    )[0]
    body = {f"s-{c.student.code}": "present" for c in roll}
    late = dict(body)
    late[next(iter(body))] = "late"
    parent_cookie, _ = cookie(parent)
    teacher_cookie, csrf = cookie(teacher)
    admin_cookie, _ = cookie(admin)
    guard_cookie, _ = cookie(guard)
    roll_path = reverse("safety:roll-call", kwargs={"session_code": session.code})
    pages = {
        "anon": {"path": reverse("bench-hello"), "cookie": ""},
        "hello": {"path": reverse("bench-signed-in-hello"), "cookie": parent_cookie},
        "home": {"path": reverse("home"), "cookie": parent_cookie},
        "roll": {"path": roll_path, "cookie": teacher_cookie},
        "submit": {
            "path": roll_path,
            "cookie": teacher_cookie,
            "csrf": csrf,
            "bodies": [urllib.parse.urlencode(body), urllib.parse.urlencode(late)],
        },
        "board": {"path": reverse("safety:still-here"), "cookie": admin_cookie},
        "gate": {
            "path": reverse("safety:pickup-check") + "?" + urllib.parse.urlencode({"q": mobile}),
            "cookie": guard_cookie,
        },
        "naive": {
            "path": reverse("bench-naive-roll", kwargs={"session_code": session.code}),
            "cookie": teacher_cookie,
        },
    }
    users = {"anon": None, "hello": parent, "home": parent, "roll": teacher, "submit": teacher}
    users |= {"board": admin, "gate": guard, "naive": teacher}
    return {
        "pages": pages,
        "costs": costs(pages, users),
        "children": len(roll),
        "board": board,
    }


def costs(pages: dict, users: dict, rounds: int = 10) -> dict:
    """Each page's queries and CPU milliseconds a request in this process (the test client: the
    same middleware and view, no server), the second request on: caches warm, as in the server."""
    from django.db import connection
    from django.test import Client

    found = {}
    for key, page in pages.items():
        client = Client()
        if users[key] is not None:
            client.force_login(users[key])

        def one(i: int, page=page, client=client):
            if "bodies" in page:
                data = urllib.parse.parse_qs(page["bodies"][i % 2])
                return client.post(page["path"], {k: v[0] for k, v in data.items()})
            return client.get(page["path"])

        one(1)
        queries = []

        def counted(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            status = one(0).status_code
        assert status in (200, 302), (key, status)
        started = time.process_time()
        for i in range(rounds):
            one(i + 1)
        found[key] = {"queries": len(queries), "cpu_ms": (time.process_time() - started) * 1000 / rounds}
    return found


def check(pages: dict) -> None:
    """Every page answers as it should before it is measured (not a redirect to a gate or sign-in)."""
    import http.client

    for key, page in pages.items():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Cookie": page["cookie"]} if page["cookie"] else {}
        if key == "submit":
            headers |= {"X-CSRFToken": page["csrf"], "Content-Type": "application/x-www-form-urlencoded"}
            conn.request("POST", page["path"], body=page["bodies"][0], headers=headers)
            response = conn.getresponse()
            ok = response.status == 302 and "/roll/" not in (response.getheader("Location") or "/roll/")
            ok = ok and "login" not in response.getheader("Location", "")
        else:
            conn.request("GET", page["path"], headers=headers)
            response = conn.getresponse()
            ok = response.status == 200
        response.read()
        if not ok:
            raise SystemExit(
                f"{key}: {page['path']} answered {response.status} {response.getheader('Location')}"
            )


def wrk(page: dict, seconds: float, connections: int, workdir: Path) -> float:
    """Requests per second of one wrk run on core 1."""
    url = f"http://127.0.0.1:{PORT}{page['path']}"
    args = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if page["cookie"]:
        args += ["-H", f"Cookie: {page['cookie']}"]
    if "bodies" in page:
        files = []
        for i, body in enumerate(page["bodies"]):
            path = workdir / f"body-{i}.txt"
            path.write_text(body)
            files.append(str(path))
        args += [
            "-H",
            f"X-CSRFToken: {page['csrf']}",
            "-H",
            "Content-Type: application/x-www-form-urlencoded",
        ]
        args += ["-s", str(common.ROOT / "bench" / "wrk" / "post_bodies.lua"), url, "--", *files]
    else:
        args.append(url)
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"{page['path']}: {bad.group(1)} error responses under load\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def drain(pages: dict, connections: int) -> None:
    """Wait until the requests wrk left in flight are served, so that they do not eat into the next
    run: as many hellos as wrk had connections, at once, queue behind them."""
    import http.client
    import threading

    def one() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        conn.request("GET", pages["hello"]["path"], headers={"Cookie": pages["hello"]["cookie"]})
        conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=one) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure(ctx: common.Context, prepared: dict, config: dict, keys: list[str], rounds: int, seconds: float):
    """{key: [rps per round]} for one worker model, rounds interleaved."""
    rps: dict[str, list[float]] = {key: [] for key in keys}
    settings = {
        "worker_class": config["worker_class"],
        "workers_per_core": config["workers_per_core"],
        "threads": config["threads"],
        "max_requests": 0,  # no worker recycling in the middle of a measurement
    }
    connections = 2 * config["workers_per_core"] * config["threads"] + 2
    with common.Server(ctx, port=PORT, settings_module="bench.settings", cores="0", config=settings):
        check(prepared["pages"])
        with tempfile.TemporaryDirectory() as workdir:
            for key in keys:  # warm every worker
                wrk(prepared["pages"][key], 1, connections, Path(workdir))
                drain(prepared["pages"], connections)
            for round_ in range(rounds):
                for key in keys:
                    rps[key].append(wrk(prepared["pages"][key], seconds, connections, Path(workdir)))
                    drain(prepared["pages"], connections)
                print(
                    f"  {common.describe_model(config)} round {round_ + 1}: "
                    + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in rps.items()),
                    flush=True,
                )
    return rps


def ratios(rps: dict, key: str, base: str = "hello") -> float | None:
    """The median of each round's page / its floor (None if the floor was never served)."""
    pairs = [page / floor for page, floor in zip(rps[key], rps[base], strict=True) if floor > 0]
    return statistics.median(pairs) if pairs else None


def note(key: str, prepared: dict, label: str, floor: float, ratio: float | None) -> str:
    """The worker model, the floor, the page's size, and what bounds it: its queries and CPU time a
    request in-process against its floor's."""
    costs, base = prepared["costs"], FLOORS.get(key, "hello")
    text = f"{label}; {'anonymous' if base == 'anon' else 'signed-in'} hello {floor:.0f}/s"
    mine, theirs = costs.get(key), costs.get(base)
    if mine and theirs:
        text += (
            f"; in-process {mine['cpu_ms']:.1f} ms CPU and {mine['queries']} queries a request "
            f"(floor {theirs['cpu_ms']:.1f} ms, {theirs['queries']} queries)"
        )
    if key in ("roll", "submit", "naive"):
        text += f"; {prepared['children']} children"
    if key == "board":
        board = prepared["board"]
        text += f"; {board['on_board']} children on the board, {board['unaccounted']} unmarked"
    target = TARGETS.get(key)
    if target and ratio is not None and ratio < target and mine and theirs:
        # At the server's full CPU, requests/s is about 1 / CPU time: the ratio the in-process
        # costs allow, against the one measured.
        text += (
            f"; missed: bound by CPU in the worker (in-process ratio "
            f"{theirs['cpu_ms'] / mine['cpu_ms']:.2f}; {mine['queries'] - theirs['queries']} more queries)"
        )
    return text


def run(ctx: common.Context) -> list[dict]:
    common.ensure_demo(ctx, ctx.scale)
    prepared = prepare(ctx)
    rounds, seconds = (1, 2) if ctx.quick else (3, 5)
    configs = models(ctx.quick)
    rows = []
    for index, config in enumerate(configs):
        keys = ALL_KEYS if index == 0 else COMPARED_KEYS
        rps = measure(ctx, prepared, config, keys, rounds, seconds)
        label = common.describe_model(config) + (" (production)" if index == 0 else "")
        for key in keys:
            if key == "anon":
                continue
            base = FLOORS.get(key, "hello")
            ratio = ratios(rps, key, base)
            floor = statistics.median(rps[base])
            target = TARGETS.get(key)
            if target:
                shown = f"≥ {target:.2f}" + ("" if index == 0 else " (compare)")
            elif key in REPORTED:
                shown = f"reported (≥ {REPORTED[key]:.2f} of a page; no target in the issue)"
            else:
                shown = "contrast"
            rows.append(
                common.row(
                    f"(a) {LABELS[key]}" + ("" if index == 0 else f" [{common.describe_model(config)}]"),
                    statistics.median(rps[key]),
                    floor=floor,
                    ratio=ratio,
                    target=shown,
                    unit="req/s",
                    # Only the production model is held to the targets; the others are compared.
                    passed=(ratio is not None and ratio >= target) if target and index == 0 else None,
                    note=note(key, prepared, label, floor, ratio),
                )
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", type=int, default=common.DEFAULT_SCALE)
    parser.add_argument("--database-url", default=common.PG + common.DEFAULT_DB)
    args = parser.parse_args()
    ctx = common.Context(database_url=args.database_url, scale=args.scale, quick=args.quick)
    rows = run(ctx)
    from bench import report

    print(report.table(rows))
    return 0 if all(r["passed"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
