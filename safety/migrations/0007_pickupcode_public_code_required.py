import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("safety", "0006_pickupcode_fill_public_codes")]

    operations = [
        migrations.AlterField(
            model_name="pickupcode",
            name="code",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="public code"),
        ),
        migrations.AddConstraint(
            model_name="pickupcode",
            constraint=models.UniqueConstraint(fields=("code",), name="pickupcode_code_unique"),
        ),
    ]
