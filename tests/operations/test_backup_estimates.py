"""Backups at province size (F19): count(*) reads a whole table, so on PostgreSQL a table estimated
above BACKUP_EXACT_COUNT_ROWS keeps PostgreSQL's estimate (pg_class.reltuples) in the manifest,
which lists those tables as "estimated"; small tables are counted exactly. The restore compares the
exact ones exactly and the estimated ones with PostgreSQL's estimate after ANALYZE."""

import io
import json
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from afterschool import backup
from schools.models import User
from tests.support.backups import database_wipe, table_counts
from tests.support.services import need_service

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.operations,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates are PostgreSQL's"),
]


def _back_up():
    call_command("backup", stdout=io.StringIO())
    return backup.backups_list()[-1]


def _restore(**options):
    call_command("restore", "latest", stdout=io.StringIO(), **options)


def _rewrite(folder, **tables):
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"].update(tables)
    path.write_text(json.dumps(manifest))


def test_big_tables_keep_postgresqls_estimate_and_the_restore_compares_what_it_can(backup_places):
    need_service("pg_dump and pg_restore", bool(shutil.which("pg_dump") and shutil.which("pg_restore")))
    backup_places.BACKUP_EXACT_COUNT_ROWS = 200
    User.objects.bulk_create([User(username=f"province-{i}", password="!") for i in range(500)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = table_counts()
    users = User._meta.db_table

    folder = _back_up()

    manifest = json.loads((folder / "manifest.json").read_text())
    assert users in manifest["estimated"]
    assert all(counts[t] > 200 for t in manifest["estimated"])  # what is small is counted
    small = [t for t in manifest["tables"] if t not in manifest["estimated"]]
    assert small and all(manifest["tables"][t] == counts[t] for t in small)
    assert manifest["tables"][users] == counts[users]  # analysed just now: the estimate is right

    database_wipe()
    _restore()
    assert table_counts() == counts

    exact = next(t for t in small if counts[t] > 0)
    _rewrite(folder, **{exact: counts[exact] + 1})
    with pytest.raises(CommandError, match=exact):
        _restore(yes=True)
    _rewrite(folder, **{exact: counts[exact], users: counts[users] * 3})
    with pytest.raises(CommandError, match=users):
        _restore(yes=True)
    _rewrite(folder, **{users: int(counts[users] * 1.1)})  # a stale estimate: within the tolerance
    _restore(yes=True)
    assert table_counts() == counts
