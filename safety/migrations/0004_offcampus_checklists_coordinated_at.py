"""F12: the off-campus gate needs the coordination recorded; mark the checklists of the activities
that already have a coordination record with the first one's time."""

from django.db import migrations
from django.db.models import Min


def forwards(apps, schema_editor):
    OffCampusCoordination = apps.get_model("safety", "OffCampusCoordination")
    OffCampusChecklist = apps.get_model("activities", "OffCampusChecklist")
    firsts = OffCampusCoordination.objects.values("activity_id").annotate(first=Min("recorded_at"))
    for row in firsts:
        checklist, _created = OffCampusChecklist.objects.get_or_create(activity_id=row["activity_id"])
        if checklist.coordinated_at is None:
            checklist.coordinated_at = row["first"]
            checklist.save(update_fields=["coordinated_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_offcampus_checklist_coordinated_at"),
        ("safety", "0003_incident_recipients_from_notifications"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
