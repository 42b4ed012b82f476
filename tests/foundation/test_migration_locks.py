"""F19: upgrades that lose nothing and stall nothing. No migration may rewrite or long-lock a big table
(tests/support/migration_locks.py: BIG_TABLES) unless it is listed below with a note and a plan."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.state import ProjectState

from tests.support.migration_locks import migration_findings, project_findings

# Migrations that do rewrite or lock a big table, each with why it was accepted and how to run it.
# A new migration must not join this list without the same: a note and a plan in the migration's
# docstring and README "Upgrading".
ACCEPTED = {
    "notices.0002_deliveries_per_channel": "F10, before the first production install: copies each "
    "notification's e-mail state into a delivery row (batched bulk_create). Tables were empty.",
    "safety.0003_incident_recipients_from_notifications": "F6, before the first production install: "
    "reads notifications of incidents once to fill incident recipients. Tables were small.",
    "safety.0008_attendance_date_partition_key": "F17 (after v0.15): fills attendance.date from the "
    "session, sets NOT NULL and rebuilds the one-mark unique key. Plan: run in the upgrade window "
    "with web and workers stopped (README Upgrading); at the scale of bench/scale.py it is minutes, "
    "measured by `make bench-scale`.",
    "safety.0009_attendance_partitioned_by_month": "F17 (after v0.15): rebuilds attendance as a table "
    "partitioned by month and copies every row. Plan: the same upgrade window as 0008, backup first; "
    "afterwards new months are made ahead by beat, so no later migration rewrites it.",
}


def test_no_migration_stalls_a_big_table_unless_accepted_with_a_plan():
    found = project_findings()
    new = [str(f) for f in found if f.migration not in ACCEPTED]
    assert not new, (
        "these operations rewrite or long-lock a big table on PostgreSQL; make them safe (nullable "
        "column, AddIndexConcurrently in an atomic=False migration, a batched backfill) or add the "
        "migration to ACCEPTED with a note and a plan:\n" + "\n".join(new)
    )
    stale = set(ACCEPTED) - {f.migration for f in found}
    assert not stale, f"accepted but no longer flagged (remove from ACCEPTED): {sorted(stale)}"


def _state_with_attendance() -> ProjectState:
    """A project state holding a big table (safety.attendance) as it stands before a new migration."""
    state = ProjectState()
    create = migrations.CreateModel(
        "Attendance",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("status", models.CharField(max_length=12)),
            ("note", models.CharField(max_length=40, null=True)),
        ],
    )
    create.state_forwards("safety", state)
    return state


def _migration(*operations):
    migration = migrations.Migration("0099_synthetic", "safety")
    migration.operations = list(operations)
    return migration


def test_the_checker_flags_a_synthetic_migration_that_would_stall_attendance():
    bad = _migration(
        migrations.AddIndex("attendance", models.Index(fields=["status"], name="attendance_status_idx")),
        migrations.AlterField("attendance", "status", models.TextField()),
        migrations.AlterField("attendance", "note", models.CharField(max_length=40)),
        migrations.AddField("attendance", "code", models.CharField(max_length=8, unique=True, null=True)),
        migrations.AddConstraint(
            "attendance",
            models.CheckConstraint(condition=models.Q(status__gt=""), name="attendance_status_set"),
        ),
        migrations.RunSQL("UPDATE safety_attendance SET status = 'present'"),
    )
    found = migration_findings(bad, _state_with_attendance())
    assert [f.operation.split(" ")[0] for f in found] == ["Create", "Alter", "Alter", "Add", "Create", "Raw"]
    assert "NOT NULL" in found[2].why
    assert "safety_attendance" in found[5].why


def test_the_checker_lets_safe_operations_pass():
    good = _migration(
        AddIndexConcurrently("attendance", models.Index(fields=["status"], name="attendance_status_idx")),
        migrations.AddField("attendance", "remark", models.CharField(max_length=40, null=True)),
        migrations.AddField("attendance", "checked", models.BooleanField(default=False)),
        migrations.AlterField("attendance", "status", models.CharField(max_length=12, help_text="mark")),
        migrations.RunSQL("UPDATE safety_leave SET status = 'ok'"),
        # A new table is empty: its index costs nothing.
        migrations.CreateModel("Tally", [("id", models.BigAutoField(primary_key=True))]),
        migrations.AddIndex("tally", models.Index(fields=["id"], name="tally_idx")),
    )
    assert migration_findings(good, _state_with_attendance()) == []
