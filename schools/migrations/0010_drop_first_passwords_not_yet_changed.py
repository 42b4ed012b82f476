"""F13: a first password someone else chose (one shared by every parent of a roster import, or set
by a school admin for a new staff member) and not yet changed stops working. The person activates
the account with their own one-time code from the school (schools/activation.py)."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def drop_first_passwords(apps, schema_editor):
    User = apps.get_model("schools", "User")
    User.objects.filter(must_change_password=True).update(
        password=make_password(None), must_change_password=False
    )


class Migration(migrations.Migration):
    dependencies = [("schools", "0009_rosterimport_drop_shared_first_password")]

    operations = [migrations.RunPython(drop_first_passwords, migrations.RunPython.noop)]
