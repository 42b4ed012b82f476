"""Backups that restore: `manage.py backup` then `manage.py restore` brings back every table's rows
(on PostgreSQL the partitioned attendance table and its partitions too, through real pg_dump and
pg_restore), the children's records byte for byte and the uploaded files; old backups are rotated
away; an encrypted backup restores only with its key and a tampered one is refused."""

import hashlib
import io
import json
import re
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from afterschool import backup
from schools.models import Student
from tests.support.backups import children_checksum, database_wipe, files, partitions, table_counts
from tests.support.services import need_service

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.operations]


def _back_up(**options):
    call_command("backup", stdout=io.StringIO(), **options)
    return backup.backups_list()[-1]


def _restore(name="latest", **options):
    call_command("restore", name, stdout=io.StringIO(), **options)


def _upload(settings) -> None:
    (settings.MEDIA_ROOT / "rosters").mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "rosters" / "class-3-2.xlsx").write_bytes(bytes(range(256)) * 40)
    settings.REPORTS_ROOT.mkdir(parents=True, exist_ok=True)
    (settings.REPORTS_ROOT / "region-2026-11.pdf").write_bytes(b"%PDF-1.7 report")


def _pg_tools_match_the_server():
    """pg_dump and pg_restore at least as new as the server (bin/ensure-pg-client installs them)."""
    need_service("pg_dump and pg_restore", bool(shutil.which("pg_dump") and shutil.which("pg_restore")))
    for tool in ("pg_dump", "pg_restore"):
        version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
        client_major = int(re.search(r"\) (\d+)", version).group(1))
        assert client_major >= connection.pg_version // 10000, (version, connection.pg_version)


# --- The round trip -------------------------------------------------------------------------------


def test_the_seeded_database_and_files_come_back_after_a_wipe(demo, backup_places):
    settings = backup_places
    if connection.vendor == "postgresql":
        _pg_tools_match_the_server()
        assert partitions("safety_attendance"), "attendance is partitioned on PostgreSQL"
    _upload(settings)
    counts, children = table_counts(), children_checksum()
    attendance_partitions = partitions("safety_attendance") if connection.vendor == "postgresql" else []
    media, reports = files(settings.MEDIA_ROOT), files(settings.REPORTS_ROOT)
    assert counts[Student._meta.db_table] > 0 and sum(counts.values()) > 1000

    folder = _back_up()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["parts"]) == {"database", "media", "reports"}
    assert manifest["migrations"]["schools"] and manifest["vendor"] == connection.vendor

    database_wipe()
    shutil.rmtree(settings.MEDIA_ROOT)
    shutil.rmtree(settings.REPORTS_ROOT)
    assert table_counts() == {}

    _restore()  # an empty database needs no --yes

    assert table_counts() == counts
    assert children_checksum() == children
    if connection.vendor == "postgresql":
        assert partitions("safety_attendance") == attendance_partitions
    assert files(settings.MEDIA_ROOT) == media
    assert files(settings.REPORTS_ROOT) == reports


def test_a_database_with_accounts_is_replaced_only_when_confirmed(demo, backup_places):
    settings = backup_places
    _upload(settings)
    counts, children = table_counts(), children_checksum()
    _back_up()
    Student.objects.filter(pk=Student.objects.order_by("pk").first().pk).update(
        name="Changed after the backup"
    )
    (settings.MEDIA_ROOT / "later.txt").write_text("uploaded after the backup")

    with pytest.raises(CommandError, match="confirm with --yes"):
        _restore()
    assert children_checksum() != children

    _restore(yes=True)
    assert table_counts() == counts
    assert children_checksum() == children
    assert not (settings.MEDIA_ROOT / "later.txt").exists()


# --- Retention ------------------------------------------------------------------------------------


def test_rotation_keeps_the_newest_backups(backup_places):
    first = _back_up(keep=0)
    second = _back_up(keep=0)
    third = _back_up(keep=0)
    assert backup.backups_list() == [first, second, third]
    assert first.name < second.name < third.name

    fourth = _back_up(keep=2)
    assert backup.backups_list() == [third, fourth]
    assert not first.exists() and not second.exists()


def test_rotation_follows_backup_keep_and_leaves_other_folders(backup_places):
    backup_places.BACKUP_KEEP = 1
    (backup_places.BACKUP_DIR / "notes").mkdir(parents=True)
    _back_up()
    latest = _back_up()
    assert backup.backups_list() == [latest]
    assert (backup_places.BACKUP_DIR / "notes").is_dir()


# --- Encryption at rest ---------------------------------------------------------------------------


def test_an_encrypted_backup_round_trips_with_its_key(backup_places, django_user_model):
    settings = backup_places
    settings.BACKUP_ENCRYPTION_KEY = backup.key_generate()
    django_user_model.objects.create_user(username="keeper", password="x-long-password-1")
    _upload(settings)
    counts, media = table_counts(), files(settings.MEDIA_ROOT)
    folder = _back_up()
    database = "database.dump.age" if connection.vendor == "postgresql" else "database.sqlite3.age"
    assert sorted(p.name for p in folder.iterdir()) == [
        database,
        "manifest.json",
        "media.tar.gz.age",
        "reports.tar.gz.age",
    ]
    assert bytes(range(256)) * 2 not in (folder / "media.tar.gz.age").read_bytes()

    django_user_model.objects.create_user(username="later", password="x-long-password-2")
    shutil.rmtree(settings.MEDIA_ROOT)
    _restore(yes=True)
    assert table_counts() == counts
    assert list(django_user_model.objects.values_list("username", flat=True)) == ["keeper"]
    assert files(settings.MEDIA_ROOT) == media


def test_a_key_file_works_like_the_key(backup_places, tmp_path):
    key_file = tmp_path / "backup.key"
    key_file.write_text("# created: today\n" + backup.key_generate() + "\n")
    backup_places.BACKUP_KEEP = 0
    backup_places.BACKUP_ENCRYPTION_KEY_FILE = str(key_file)
    folder = _back_up()
    assert sorted(p.suffix for p in folder.iterdir()) == [".age", ".age", ".age", ".json"]
    _restore(yes=True)


def test_the_wrong_key_or_no_key_is_refused_and_nothing_changes(backup_places, django_user_model):
    settings = backup_places
    settings.BACKUP_ENCRYPTION_KEY = backup.key_generate()
    _back_up()
    django_user_model.objects.create_user(username="after", password="x-long-password-3")

    with pytest.raises(CommandError, match="encrypted with another key"):
        _restore(yes=True, key=backup.key_generate())
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="This backup is encrypted"):
        _restore(yes=True)
    with pytest.raises(CommandError, match="not an age secret key"):
        _restore(yes=True, key="not-a-key")
    assert django_user_model.objects.filter(username="after").exists()


# --- Tampering ------------------------------------------------------------------------------------


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("encrypted", [False, True])
def test_a_tampered_part_is_refused_before_anything_is_restored(backup_places, django_user_model, encrypted):
    if encrypted:
        backup_places.BACKUP_ENCRYPTION_KEY = backup.key_generate()
    _upload(backup_places)
    folder = _back_up()
    django_user_model.objects.create_user(username="after", password="x-long-password-4")
    _flip_a_byte(next(folder.glob("media.tar.gz*")))

    with pytest.raises(CommandError, match="Part media of the backup does not match its checksum"):
        _restore(yes=True)
    assert django_user_model.objects.filter(username="after").exists()


def test_an_altered_manifest_of_an_encrypted_backup_is_refused(backup_places):
    backup_places.BACKUP_ENCRYPTION_KEY = backup.key_generate()
    folder = _back_up()
    manifest = json.loads((folder / "manifest.json").read_text())
    part = folder / manifest["parts"]["reports"]["file"]
    _flip_a_byte(part)
    manifest["parts"]["reports"]["sha256"] = hashlib.sha256(part.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(CommandError, match="manifest was altered"):
        _restore(yes=True)


def test_an_unknown_backup_name_is_refused(backup_places):
    with pytest.raises(CommandError, match="There is no backup"):
        _restore()
    with pytest.raises(CommandError, match="No backup named"):
        _restore("20200101T000000Z")
