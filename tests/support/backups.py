"""What a restore must bring back, measured independently of afterschool.backup: every table's row
count (PostgreSQL: partitioned tables and each partition too), the children's records, the files."""

import hashlib
from pathlib import Path

from django.db import connection

from schools.models import Student


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
            )
            tables = [row[0] for row in cursor.fetchall()]
        else:
            tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def partitions(parent: str) -> list[str]:
    """PostgreSQL: the partitions of a partitioned table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s ORDER BY 1",
            [parent],
        )
        return [row[0] for row in cursor.fetchall()]


def children_checksum() -> str:
    """md5 of the children's rows (every column), in id order."""
    table = connection.ops.quote_name(Student._meta.db_table)
    digest = hashlib.md5()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        for row in cursor.fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def database_wipe() -> None:
    """Every table gone (PostgreSQL: the schema dropped and made again; SQLite: tables dropped)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
            cursor.execute("PRAGMA foreign_keys = ON")


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
