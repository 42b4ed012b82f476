import uuid

from django.db import migrations


def fill(apps, schema_editor):
    # Codes are already stored as HMAC digests only (safety/0001); existing rows just need their
    # own public identifier, one UUID each.
    PickupCode = apps.get_model("safety", "PickupCode")
    for pk in PickupCode.objects.filter(code__isnull=True).values_list("pk", flat=True).iterator():
        PickupCode.objects.filter(pk=pk).update(code=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("safety", "0005_pickupcode_public_code_and_one_live_per_issuer")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
