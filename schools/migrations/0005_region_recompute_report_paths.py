"""F13: recompute every region's reporting path from its reporting chain, before the database starts
refusing empty or malformed ones (0006). Regions added or edited in the Django admin before F13 may
hold an empty or stale path, which widened their bureau officers' scope."""

from django.db import migrations


def recompute(apps, schema_editor):
    Region = apps.get_model("schools", "Region")
    regions = {r.pk: r for r in Region.objects.all()}
    for region in regions.values():
        codes, node, seen = [], region, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            codes.append(node.code)
            node = regions.get(node.reports_to_id)
        path = "/" + "/".join(reversed(codes)) + "/"
        if region.report_path != path:
            Region.objects.filter(pk=region.pk).update(report_path=path)


class Migration(migrations.Migration):
    dependencies = [("schools", "0004_login_lockout")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
