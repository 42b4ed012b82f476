import uuid

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """F13: a public identifier for each pick-up code (a guardian revokes their own by it), added
    nullable here, filled per row by 0003 and made required and unique by 0004; and at most one live
    code per child and guardian instead of per child, so that issuing a code never revokes another
    guardian's."""

    dependencies = [
        ("safety", "0004_offcampus_checklists_coordinated_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="pickupcode",
            name="pickupcode_one_live_per_child",
        ),
        migrations.AddConstraint(
            model_name="pickupcode",
            constraint=models.UniqueConstraint(
                condition=models.Q(("locked_at__isnull", True), ("revoked_at__isnull", True), ("used_at__isnull", True)),
                fields=("student", "issued_by"),
                name="pickupcode_one_live_per_child_and_issuer",
            ),
        ),
        migrations.AddField(
            model_name="pickupcode",
            name="code",
            field=models.UUIDField(editable=False, null=True, verbose_name="public code"),
        ),
    ]
