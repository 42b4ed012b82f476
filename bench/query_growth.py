#!/usr/bin/env python
"""Queries as data grows (F9 (b)): every page's query count at data scale S and 10S; target equal.

Every page the URL matrix (tests/support/url_matrix.py) gives a role is opened by that role's demo
persona with a GET, in-process through Django's test client, and its queries are counted with
CaptureQueriesContext; pages that do not answer a GET with 200 (POST-only endpoints, redirects)
are left out. The demo is seeded twice, at S children a class (default 20) and at 10S (200): ten
times the children, guardians, applications, placements, attendance and records. A page whose count
grows reads rows one at a time as data grows (N+1) and fails; a page whose count falls shows the
persona's own records in another state (at 10S more children compete for seats) and is marked "—".

    .venv/bin/python bench/query_growth.py [--quick] [--small 20]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

GROWTH = 10


def count_pages() -> dict:
    """{persona: {url name: queries}} for every GET page of each role (Django already set up)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from schools.models import User
    from tests.support import url_matrix
    from tests.support.url_patterns import inside, matrix_patterns, special_values

    counts: dict[str, dict[str, int]] = {}
    for role, username in sorted(url_matrix.PERSONAS.items()):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        mine = counts.setdefault(username, {})
        for name, kwargs in matrix_patterns():
            allowed = url_matrix.URLS.get(name)
            if allowed in (None, "public", "token") or role not in allowed:
                continue
            values = special_values(name, user)
            if "session_code" in kwargs:
                values = _with_richest_session(user, kwargs)
            if values is False:
                values = {kw: inside(user, kw) for kw in kwargs}
                if any(v is None for v in values.values()):
                    continue
            if values is None:
                continue
            url = reverse(name, kwargs=values)
            try:
                if client.get(url).status_code != 200:  # also warms caches
                    continue
            except Exception as exc:  # a page that fails is reported, not counted
                print(f"  {username} {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            seen = []
            for _ in range(2):  # the smaller of two: a once-a-minute session write is not the page's
                with CaptureQueriesContext(connection) as captured:
                    client.get(url)
                seen.append(len(captured))
            mine[name] = min(seen)
    return counts


def _with_richest_session(user, kwargs: list[str]) -> dict | None:
    """The user's session with the most children (of the first 300), and its first child if the page
    names one: at a small scale the first session may have none, and a page with nobody to list
    skips queries (an empty IN () is never sent), which would read as growth at 10S."""
    from safety.selectors import attendance
    from tests.support.url_patterns import inside

    sessions = list(
        attendance.sessions_for(user).select_related(*attendance.SESSION_RELATED).order_by("pk")[:300]
    )
    rosters = [r for r in attendance.rosters(sessions, with_refusals=True) if r.children]
    if not rosters:
        return None
    richest = max(rosters, key=lambda r: len(r.children))
    values = {"session_code": richest.session.code}
    for kw in kwargs:
        if kw == "student_code":
            values[kw] = richest.children[0].student.code
        elif kw != "session_code":
            values[kw] = inside(user, kw)
    return None if any(v is None for v in values.values()) else values


def compare(small: dict, large: dict, *, scale: int) -> list[dict]:
    """One row per page seen at either scale: queries at S (floor) and at 10S (figure)."""
    rows = []
    for persona in sorted(set(small) | set(large)):
        a, b = small.get(persona, {}), large.get(persona, {})
        for name in sorted(set(a) | set(b)):
            at_s, at_10s = a.get(name), b.get(name)
            both = at_s is not None and at_10s is not None
            note = "" if both else f"answered 200 only at {'S' if at_10s is None else '10S'}"
            passed = (at_10s == at_s) if both else None
            if both and at_10s > at_s:
                note = f"{at_10s - at_s:+d} queries at 10× the data"
            elif both and at_10s < at_s:
                # Not growth: the persona's own records differ between the two seeds (at 10S a
                # child of s1_parent is wait-listed instead of placed, so there is less to show).
                passed = None
                note = f"{at_10s - at_s:+d} queries at 10S: the persona's records differ, not growth"
            rows.append(
                common.row(
                    f"(b) queries {persona} {name}",
                    at_10s,
                    floor=at_s,
                    target="= S",
                    unit="queries",
                    passed=passed,
                    note=note or f"S = {scale} a class, 10S = {scale * GROWTH}",
                )
            )
    return rows


def counts_at(ctx: common.Context, students_per_class: int, suffix: str) -> dict:
    url = f"{ctx.database_url}_{suffix}"
    common.ensure_demo(ctx, students_per_class, database_url=url)
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        subprocess.run(
            [common.PY, __file__, "--count", out.name, "--database-url", url, "--redis-url", ctx.redis_url],
            cwd=common.ROOT,
            env=common.portal_env(ctx, DATABASE_URL=url),
            check=True,
        )
        return json.load(open(out.name))


def run(ctx: common.Context) -> list[dict]:
    small = int(ctx.extra.get("growth_small", 20))
    counts_s = counts_at(ctx, small, "s")
    counts_10s = counts_at(ctx, small * GROWTH, "10s")
    return compare(counts_s, counts_10s, scale=small)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--small", type=int, default=None, help="children a class at S")
    parser.add_argument("--database-url", default=common.PG + common.DEFAULT_DB + "_queries")
    parser.add_argument("--redis-url", default=common.DEFAULT_REDIS)
    parser.add_argument("--count", help=argparse.SUPPRESS)  # child process: write the counts here
    args = parser.parse_args()
    ctx = common.Context(database_url=args.database_url, redis_url=args.redis_url, quick=args.quick)
    if args.count:
        # ERROR: the 405 answers to GETs of POST-only pages are expected here, not warnings.
        common.django_setup(ctx, LOG_LEVEL="ERROR")
        Path(args.count).write_text(json.dumps(count_pages()))
        return 0
    if args.small:
        ctx.extra["growth_small"] = args.small
    rows = run(ctx)
    from bench import report

    print(report.table(rows))
    return 0 if all(r["passed"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
