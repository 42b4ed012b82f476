from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    """Seats that existed before placements kept their history: the best estimate is that a seat
    was taken when its row was created, and that a released row ended when it last changed (whether
    a released row was ever a seat is not known; it is counted as one, from creation to release)."""
    Placement = apps.get_model("enrollment", "Placement")
    Placement.objects.filter(status="placed", placed_at__isnull=True).update(placed_at=F("created"))
    Placement.objects.filter(status="released", ended_at__isnull=True).update(
        placed_at=F("created"), ended_at=F("changed")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0002_placement_history"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
