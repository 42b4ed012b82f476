from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    """Rows rolled before the new columns: the children who applied are the priority-group children
    they knew of (re-roll with `manage.py roll_summaries` for the full figures)."""
    Summary = apps.get_model("oversight", "DailySchoolSummary")
    Summary.objects.update(priority_students=F("priority_applied"))


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0004_summary_priority_teachers_categories"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
