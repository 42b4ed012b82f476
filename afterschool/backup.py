"""Backups that restore: the database, the uploaded files and the generated reports, in one
timestamped folder of BACKUP_DIR with a manifest; `manage.py backup` and `manage.py restore` call
this module.

A backup folder holds `database.dump` (PostgreSQL: `pg_dump -Fc`, taken in the same snapshot as the
row counts) or `database.sqlite3` (SQLite: the sqlite3 backup API), `media.tar.gz` (MEDIA_ROOT),
`reports.tar.gz` (REPORTS_ROOT) and `manifest.json`: when, which code (git commit), which
migrations, every table's row count and the sha256 of each part. count(*) reads a whole table,
too slow for a province's attendance: on PostgreSQL a table estimated (pg_class.reltuples) above
BACKUP_EXACT_COUNT_ROWS keeps that estimate instead, and the manifest's "estimated" lists those
tables; the restore compares the other tables exactly and these with PostgreSQL's estimate again
after ANALYZE, within ESTIMATE_TOLERANCE. With an age identity
(BACKUP_ENCRYPTION_KEY or BACKUP_ENCRYPTION_KEY_FILE) each part is encrypted with age (pyrage) and
the manifest carries an HMAC keyed by the identity, so an altered manifest is refused too.

It lives in the project package, above every app: it copies every app's tables and files."""

import hashlib
import hmac
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyrage
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
NAME_FORMAT = "%Y%m%dT%H%M%SZ"
FILE_PARTS = {"media": "MEDIA_ROOT", "reports": "REPORTS_ROOT"}
# An estimated table restored is accepted within this share of the backup's estimate: the estimate
# may be stale by autovacuum's 10 % before it analyses again, and ANALYZE samples; a restore that
# lost a quarter of a big table is still caught.
ESTIMATE_TOLERANCE = 0.2


class BackupError(Exception):
    """A backup that cannot be made or restored; the message tells the operator why."""


@dataclass
class Restored:
    name: str
    created: str
    tables: int
    rows: int
    files: int


# --- Keys -------------------------------------------------------------------------------------------


def key_generate() -> str:
    """A new age identity (AGE-SECRET-KEY-1…) for BACKUP_ENCRYPTION_KEY."""
    return str(pyrage.x25519.Identity.generate())


def key_identity(key: str = ""):
    """The age identity from `key`, else BACKUP_ENCRYPTION_KEY, else the first AGE-SECRET-KEY line
    of BACKUP_ENCRYPTION_KEY_FILE; None when none is set (no encryption)."""
    text = (key or settings.BACKUP_ENCRYPTION_KEY or "").strip()
    if not text and settings.BACKUP_ENCRYPTION_KEY_FILE:
        try:
            lines = Path(settings.BACKUP_ENCRYPTION_KEY_FILE).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise BackupError(
                _("The backup key file cannot be read: %(error)s") % {"error": error}
            ) from error
        text = next((line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-")), "")
        if not text:
            raise BackupError(_("The backup key file holds no age secret key (AGE-SECRET-KEY-1…)."))
    if not text:
        return None
    try:
        return pyrage.x25519.Identity.from_str(text)
    except pyrage.IdentityError as error:
        raise BackupError(_("The backup key is not an age secret key (AGE-SECRET-KEY-1…).")) from error


def _mac(manifest: dict, identity) -> str:
    key = hashlib.sha256(b"afterschool-backup-manifest\0" + str(identity).encode()).digest()
    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- The database: PostgreSQL ---------------------------------------------------------------------


def _pg_env() -> dict:
    """libpq's environment for pg_dump, pg_restore and psql: the connection's own settings."""
    settings_dict = connection.settings_dict
    _, extra = connection.client.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(extra or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(args: list[str], **kwargs) -> None:
    try:
        result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, **kwargs)
    except FileNotFoundError as error:
        raise BackupError(
            _("%(tool)s is not installed (bin/ensure-pg-client).") % {"tool": args[0]}
        ) from error
    if result.returncode:
        raise BackupError(
            _("%(tool)s failed: %(error)s") % {"tool": args[0], "error": result.stderr.strip()[-2000:]}
        )


def _pg_tables(cursor, *, top_level: bool = False) -> list[str]:
    """The tables of the connection's schema: every table holding rows (partitions included), or
    only those not a partition of another (what DROP … CASCADE needs)."""
    kinds = "('r', 'p')" if top_level else "('r')"
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = current_schema() AND c.relkind IN {kinds} "
        + ("AND NOT c.relispartition " if top_level else "")
        + "ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_estimates(cursor) -> dict[str, int]:
    """PostgreSQL's row estimate of every table of the schema (pg_class.reltuples, kept by ANALYZE
    and autovacuum); -1 for a table never analysed."""
    cursor.execute(
        "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
    )
    return {name: round(rows) for name, rows in cursor.fetchall()}


def _pg_counts(cursor, tables: list[str]) -> tuple[dict[str, int], list[str]]:
    """Every table's rows and the tables whose number is PostgreSQL's estimate: those estimated
    above BACKUP_EXACT_COUNT_ROWS. Small tables, and tables never analysed, are counted exactly."""
    estimates = _pg_estimates(cursor)
    estimated = [t for t in tables if estimates.get(t, -1) > settings.BACKUP_EXACT_COUNT_ROWS]
    counts = _counts(cursor, [t for t in tables if t not in estimated])
    counts.update({t: estimates[t] for t in estimated})
    return dict(sorted(counts.items())), estimated


def _pg_dump(target: Path) -> tuple[dict[str, int], list[str]]:
    """pg_dump -Fc in the snapshot the row counts were taken in, so they agree under live writes;
    the counts and the tables estimated (see _pg_counts)."""
    if connection.in_atomic_block:
        raise BackupError(_("A backup cannot run inside a database transaction."))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts, estimated = _pg_counts(cursor, _pg_tables(cursor))
        _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}"])
    return counts, estimated


def _pg_restore(dump: Path) -> None:
    """Every table of the schema dropped and the dump restored in one transaction (psql -1): a
    restore that fails leaves the database as it was."""
    with connection.cursor() as cursor:
        drops = "".join(
            f"DROP TABLE IF EXISTS {connection.ops.quote_name(t)} CASCADE;\n"
            for t in _pg_tables(cursor, top_level=True)
        )
    connection.close()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", dir=dump.parent, encoding="utf-8") as script:
        script.write(drops)
        script.flush()
        env = _pg_env()
        try:
            source = subprocess.Popen(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--clean",
                    "--if-exists",
                    "--file=-",
                    str(dump),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
        except FileNotFoundError as error:
            raise BackupError(
                _("%(tool)s is not installed (bin/ensure-pg-client).") % {"tool": "pg_restore"}
            ) from error
        psql = [
            "psql",
            "-X",
            "-q",
            "--single-transaction",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            script.name,
            "-f",
            "-",
        ]
        result = subprocess.run(psql, stdin=source.stdout, capture_output=True, text=True, env=env)
        source.stdout.close()
        source_error = source.stderr.read().decode(errors="replace")
        source.wait()
    if source.returncode or result.returncode:
        message = (source_error or result.stderr).strip()[-2000:]
        raise BackupError(
            _("The database restore failed and was rolled back: %(error)s") % {"error": message}
        )


# --- The database: SQLite -------------------------------------------------------------------------


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    return [row[0] for row in rows]


def _sqlite_dump(target: Path) -> dict[str, int]:
    """The sqlite3 backup API (a consistent copy of a live database); counted in the copy."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        return {t: copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(copy)}
    finally:
        copy.close()


def _sqlite_restore(copy_path: Path) -> None:
    connection.close()
    copy, live = sqlite3.connect(copy_path), sqlite3.connect(connection.settings_dict["NAME"])
    try:
        copy.backup(live)
    finally:
        copy.close()
        live.close()


def restored_differences(manifest: dict) -> list[str]:
    """The tables of the manifest whose rows the live database does not have: missing, counted
    otherwise, or (estimated tables, analysed first) off the backup's estimate by more than
    ESTIMATE_TOLERANCE."""
    estimated = set(manifest.get("estimated", ()))
    with connection.cursor() as cursor:
        live = set(
            _pg_tables(cursor)
            if connection.vendor == "postgresql"
            else connection.introspection.table_names(cursor)
        )
        exact = sorted(t for t in manifest["tables"] if t in live and t not in estimated)
        counts = _counts(cursor, exact)
        analysed = sorted(estimated & live)
        if analysed:
            cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, analysed)))
            estimates = _pg_estimates(cursor)
            counts |= {t: estimates[t] for t in analysed}
    wrong = []
    for table, rows in manifest["tables"].items():
        found = counts.get(table)
        if table in estimated:
            close = found is not None and found >= 0 and abs(found - rows) <= rows * ESTIMATE_TOLERANCE
        else:
            close = found == rows
        if not close:
            wrong.append(table)
    return sorted(wrong)


def database_is_empty() -> bool:
    """True when the database holds no account: fresh, only migrated, or wiped."""
    table = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return True
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
        return cursor.fetchone() is None


# --- Files ----------------------------------------------------------------------------------------


def _files_dump(root: Path, target: Path) -> None:
    backups = Path(settings.BACKUP_DIR).resolve()

    def outside_backups(info: tarfile.TarInfo):
        return None if (root / info.name).resolve().is_relative_to(backups) else info

    with tarfile.open(target, "w:gz") as tar:
        if root.is_dir():
            tar.add(root, arcname=".", filter=outside_backups)


def _files_restore(archive: Path, root: Path) -> int:
    """The folder's content replaced by the archive's (extracted beside it first)."""
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}-restore-"))
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(staging, filter="data")
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    for child in staging.iterdir():
        shutil.move(child, root / child.name)
    staging.rmdir()
    return sum(1 for p in root.rglob("*") if p.is_file())


# --- Backup ---------------------------------------------------------------------------------------


def _app_version() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _new_folder(root: Path) -> tuple[str, Path]:
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    base = timezone.now().astimezone(UTC).strftime(NAME_FORMAT)
    name, number = base, 1
    while (root / name).exists():
        number += 1
        name = f"{base}-{number}"
    partial = root / f".{name}.partial"
    partial.mkdir(mode=0o700)
    return name, partial


def _store(plain: Path, identity) -> dict:
    """The part as kept: encrypted for the identity when there is one (the plain copy removed)."""
    if identity is not None:
        stored = plain.with_name(plain.name + ".age")
        pyrage.encrypt_file(str(plain), str(stored), [identity.to_public()])
        plain.unlink()
    else:
        stored = plain
    return {"file": stored.name, "sha256": _sha256(stored), "bytes": stored.stat().st_size}


def backup_create(*, key: str = "") -> Path:
    """One backup folder in BACKUP_DIR (database, media, reports, manifest); its path.
    Raises BackupError."""
    identity = key_identity(key)
    root = Path(settings.BACKUP_DIR)
    name, partial = _new_folder(root)
    try:
        if connection.vendor == "postgresql":
            database = partial / "database.dump"
            tables, estimated = _pg_dump(database)
        elif connection.vendor == "sqlite":
            database = partial / "database.sqlite3"
            tables, estimated = _sqlite_dump(database), []
        else:
            raise BackupError(_("Backups support PostgreSQL and SQLite only."))
        parts = {"database": _store(database, identity)}
        for part, setting in FILE_PARTS.items():
            archive = partial / f"{part}.tar.gz"
            _files_dump(Path(getattr(settings, setting)), archive)
            parts[part] = _store(archive, identity)
        manifest = {
            "format": FORMAT,
            "name": name,
            "created": timezone.now().isoformat(),
            "version": _app_version(),
            "vendor": connection.vendor,
            "migrations": _migrations(),
            "tables": tables,
            "estimated": estimated,  # tables whose number is PostgreSQL's estimate, not count(*)
            "parts": parts,
            "encrypted_for": str(identity.to_public()) if identity is not None else None,
        }
        if identity is not None:
            manifest["mac"] = _mac(manifest, identity)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        partial.rename(root / name)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    logger.info(
        "backup %s written: %d tables, %d bytes", name, len(tables), sum(p["bytes"] for p in parts.values())
    )
    return root / name


# --- Retention ------------------------------------------------------------------------------------


def backups_list() -> list[Path]:
    """The complete backups in BACKUP_DIR, oldest first (a folder is complete once it has a manifest)."""
    root = Path(settings.BACKUP_DIR)
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()
    )


def backups_rotate(*, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (0: keep them all); the deleted paths."""
    if keep <= 0:
        return []
    old = backups_list()[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


def _made(path: Path) -> datetime:
    return datetime.strptime(path.name[:16], NAME_FORMAT).replace(tzinfo=UTC)


def backup_daily() -> Path | None:
    """The daily backup (beat, hourly): made and rotated when BACKUP_DAILY_AT ("HH:MM", local time)
    has passed since the newest backup; None when not due or not set. Raises BackupError."""
    if not settings.BACKUP_DAILY_AT:
        return None
    hour, minute = (int(part) for part in settings.BACKUP_DAILY_AT.split(":"))
    now = timezone.localtime()
    due = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if due > now:
        due -= timedelta(days=1)
    backups = backups_list()
    if backups and _made(backups[-1]) >= due:
        return None
    path = backup_create()
    backups_rotate(keep=settings.BACKUP_KEEP)
    return path


# --- Restore --------------------------------------------------------------------------------------


def backup_find(name: str) -> Path:
    """A backup by folder name, path, or "latest". Raises BackupError."""
    backups = backups_list()
    if name == "latest":
        if not backups:
            raise BackupError(_("There is no backup in %(folder)s.") % {"folder": settings.BACKUP_DIR})
        return backups[-1]
    path = Path(name) if os.sep in name else Path(settings.BACKUP_DIR) / name
    if not (path / MANIFEST).is_file():
        raise BackupError(_("No backup named %(name)s.") % {"name": name})
    return path


def backup_verify(*, path: Path, key: str = "") -> tuple[dict, object]:
    """The manifest and the identity to decrypt with, once the manifest's MAC and every part's
    checksum are right. Raises BackupError (tampered, damaged, wrong or missing key)."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        parts = manifest["parts"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(_("The backup's manifest is unreadable: altered or damaged.")) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This backup's format is not one this version restores."))
    identity = None
    if manifest.get("encrypted_for"):
        identity = key_identity(key)
        if identity is None:
            raise BackupError(_("This backup is encrypted: set BACKUP_ENCRYPTION_KEY or give --key."))
        if str(identity.to_public()) != manifest["encrypted_for"]:
            raise BackupError(_("This backup was encrypted with another key: nothing was restored."))
        if not hmac.compare_digest(manifest.get("mac", ""), _mac(manifest, identity)):
            raise BackupError(_("The backup's manifest was altered: nothing was restored."))
    for part, entry in parts.items():
        stored = path / entry["file"]
        if not stored.is_file() or _sha256(stored) != entry["sha256"]:
            raise BackupError(
                _(
                    "Part %(part)s of the backup does not match its checksum (altered or damaged): "
                    "nothing was restored."
                )
                % {"part": part}
            )
    return manifest, identity


def _plain(stored: Path, identity, work: Path) -> Path:
    if identity is None:
        return stored
    plain = work / stored.name.removesuffix(".age")
    try:
        pyrage.decrypt_file(str(stored), str(plain), [identity])
    except (pyrage.DecryptError, OSError) as error:
        raise BackupError(
            _("A part of the backup cannot be decrypted with this key: nothing was restored.")
        ) from error
    return plain


def backup_restore(*, path: Path, key: str = "", replace: bool = False) -> Restored:
    """The database, media and reports replaced by the backup's, then its row counts checked
    (restored_differences).
    Refuses a non-empty database unless `replace`. Raises BackupError."""
    manifest, identity = backup_verify(path=path, key=key)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            _("This is a %(vendor)s backup: it restores into %(vendor)s only.")
            % {"vendor": manifest["vendor"]}
        )
    if not replace and not database_is_empty():
        raise BackupError(_("The database holds accounts: restoring replaces it; confirm with --yes."))
    work = Path(tempfile.mkdtemp(dir=path.parent, prefix=".restore-"))
    try:
        plain = {
            part: _plain(path / entry["file"], identity, work) for part, entry in manifest["parts"].items()
        }
        if connection.vendor == "postgresql":
            _pg_restore(plain["database"])
        else:
            _sqlite_restore(plain["database"])
        files = sum(_files_restore(plain[part], Path(getattr(settings, s))) for part, s in FILE_PARTS.items())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wrong = restored_differences(manifest)
    if wrong:
        raise BackupError(
            _("Restored, but these tables' row counts differ from the backup's: %(tables)s")
            % {"tables": ", ".join(wrong[:20])}
        )
    logger.info("backup %s restored: %d tables", manifest["name"], len(manifest["tables"]))
    return Restored(
        name=manifest["name"],
        created=manifest["created"],
        tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()),
        files=files,
    )
