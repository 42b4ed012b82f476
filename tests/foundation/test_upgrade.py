"""F19: an upgrade loses nothing. The previous release (the last line of deploy/RELEASES) is unpacked
from git, migrated and seeded with the demo data on a fresh PostgreSQL database; then README
"Upgrading" is followed with this checkout: backup, migrate (restarting web, workers and beat is
nothing here), no migration left unapplied, `check` passes. Every table keeps at least its rows, the
children's records are unchanged column for column, and the demo users' pages answer.

PostgreSQL only (production's database, and the migrations' PostgreSQL branches: the attendance
partitioning); skipped on SQLite, run by CI's PostgreSQL pass. It takes a few minutes."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.db import connection

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parent.parent.parent
# The children's records: (table, key). Compared on the previous release's columns.
CHILDREN = [
    ("schools_student", "id"),
    ("schools_guardianship", "id"),
    ("schools_authorizedpickup", "id"),
    ("enrollment_application", "id"),
    ("safety_attendance", "id"),
    ("safety_release", "id"),
    ("safety_leave", "id"),
]
# Demo users and a page each role opens first (url names of this checkout).
PAGES = [("s1_parent", "home"), ("s1_head31", "home"), ("s1_admin", "home"), ("s1_guard", "home")]
PAGES += [("zy_bureau", "oversight:dashboard"), ("s1_parent", "notices:inbox")]


def previous_release() -> str:
    lines = [ln for ln in (ROOT / "deploy" / "RELEASES").read_text().splitlines() if ln and ln[0] != "#"]
    commit = lines[-1].split()[1]
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True
    )
    if found.returncode:
        pytest.fail(
            f"the previous release {commit} (deploy/RELEASES) is not in this repository: "
            "clone with full history (git fetch --unshallow) to run the upgrade test"
        )
    return commit


def unpack(commit: str, into: Path) -> Path:
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def manage(code: Path, env: dict, *args: str, input: str | None = None) -> str:
    """`manage.py ARGS` of a checkout (the old one or this one) with the shared virtualenv."""
    result = subprocess.run(
        [sys.executable, str(code / "manage.py"), *args],
        cwd=code,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (
        f"{code.name}: manage.py {' '.join(args)}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


@pytest.fixture
def scratch_database():
    """A fresh database beside the test database, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the upgrade test runs on PostgreSQL, production's database")
    settings = connection.settings_dict
    name = f"{settings['NAME']}_upgrade"
    admin = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    admin["dbname"] = "postgres"

    def run(sql: str):
        server = psycopg2.connect(**admin)
        server.autocommit = True
        try:
            server.cursor().execute(sql)
        finally:
            server.close()

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    url = f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    try:
        yield url
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Database:
    """The scratch database, read by plain SQL (the suite's own connection is on the test database)."""

    def __init__(self, url: str):
        self.connection = psycopg2.connect(url)
        self.connection.autocommit = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.connection.close()

    def execute(self, sql: str, params=None):
        cursor = self.connection.cursor()
        cursor.execute(sql, params)
        return cursor


def tables(db) -> dict[str, int]:
    names = db.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    ).fetchall()
    return {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for (name,) in names}


def columns(db, table: str) -> list[str]:
    rows = db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows]


def checksum(db, table: str, key: str, cols: list[str]) -> tuple[int, str]:
    listed = ", ".join(f'"{c}"' for c in cols)
    row = db.execute(
        f'SELECT count(*), md5(string_agg(row({listed})::text, \'|\' ORDER BY "{key}")) FROM "{table}"'
    )
    return row.fetchone()


PAGES_SCRIPT = """
from django.test import Client
from django.urls import reverse
from schools.models import User
for username, name in {pages!r}:
    client = Client()
    client.force_login(User.objects.get(username=username))
    print("page", username, name, client.get(reverse(name)).status_code)
"""


def test_the_previous_release_upgrades_to_this_checkout_losing_nothing(scratch_database, tmp_path):
    commit = previous_release()
    old = unpack(commit, tmp_path / "previous")
    drop = {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "LD_PRELOAD", "TESTING", "PYTEST_ADDOPTS"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("FAKETIME")}
    # A developer's settings (DEBUG: static files from the finders, no second factor) on the scratch
    # database; tasks run inline and the broker, the cache and the files stay in each checkout's var/.
    env.update(
        DATABASE_URL=scratch_database,
        DEBUG="1",
        SECRET_KEY="upgrade-test-" + "x" * 40,
        ALLOWED_HOSTS="testserver",
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_URL="memorymail://",
        SMS_BACKEND="",
        DJANGO_SETTINGS_MODULE="afterschool.settings",
    )
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    env["REPORTS_ROOT"] = str(tmp_path / "reports")

    # The previous release, as a school has it: migrated and in use (the demo data).
    manage(old, env, "migrate", "--noinput")
    manage(old, env, "seed_demo")
    with Database(scratch_database) as db:
        before = tables(db)
        kept = {table: columns(db, table) for table, _ in CHILDREN}
        children = {table: checksum(db, table, key, kept[table]) for table, key in CHILDREN}
    assert before["schools_student"] > 0 and before["safety_attendance"] > 0, "the demo data were not seeded"

    # README "Upgrading", with this checkout: backup first (manage.py backup, before migrating).
    env["BACKUP_DIR"] = str(tmp_path / "backups")
    manage(ROOT, env, "backup", "--keep", "0")
    (backup,) = (tmp_path / "backups").iterdir()
    assert (backup / "database.dump").stat().st_size > 0 and (backup / "manifest.json").exists()
    shutil.rmtree(old)
    manage(ROOT, env, "migrate", "--noinput")
    unapplied = [line for line in manage(ROOT, env, "showmigrations", "--plan").splitlines() if "[ ]" in line]
    assert not unapplied, unapplied
    manage(ROOT, env, "check")

    with Database(scratch_database) as db:
        after = tables(db)
        lost = {t: (n, after.get(t)) for t, n in before.items() if after.get(t) is None or after[t] < n}
        assert not lost, f"rows lost (table: before, after): {lost}"
        for table, key in CHILDREN:
            assert checksum(db, table, key, kept[table]) == children[table], f"{table} changed in the upgrade"

    answers = manage(ROOT, env, "shell", "-c", PAGES_SCRIPT.format(pages=PAGES)).split("\n")
    statuses = {tuple(line.split()[1:3]): line.split()[3] for line in answers if line.startswith("page ")}
    assert statuses == {page: "200" for page in PAGES}, statuses
