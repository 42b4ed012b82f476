"""Attendance marks carry their session's date: the key the table is partitioned by on PostgreSQL
(0009), and part of the one-mark-per-revision rule (a partitioned table's unique keys hold it)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_dates(apps, schema_editor):
    Attendance = apps.get_model("safety", "Attendance")
    Session = apps.get_model("activities", "Session")
    Attendance.objects.using(schema_editor.connection.alias).filter(date__isnull=True).update(
        date=Subquery(Session.objects.filter(pk=OuterRef("session_id")).values("date")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_terms_venues_activities_groups_sessions"),
        ("safety", "0007_pickupcode_public_code_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="attendance",
            name="date",
            field=models.DateField(null=True, verbose_name="date"),
        ),
        migrations.RunPython(fill_dates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="attendance",
            name="date",
            field=models.DateField(verbose_name="date"),
        ),
        migrations.RemoveConstraint(model_name="attendance", name="attendance_one_mark_per_revision"),
        migrations.AddConstraint(
            model_name="attendance",
            constraint=models.UniqueConstraint(
                fields=("session", "student", "revision", "date"), name="attendance_one_mark_per_revision"
            ),
        ),
    ]
