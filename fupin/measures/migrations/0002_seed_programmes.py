"""The programmes and point rules of the catalogue (data the app reads; refreshed by seed-reference too)."""

from django.db import migrations


def seed(apps, schema_editor):
    from fupin.measures.catalogue import POINT_RULES, PROGRAMMES

    Programme = apps.get_model("measures", "Programme")
    PointRule = apps.get_model("measures", "PointRule")
    for sort, data in enumerate(PROGRAMMES):
        Programme.objects.update_or_create(code=data["code"], defaults={**data, "sort": sort})
    for code, name, category, points in POINT_RULES:
        PointRule.objects.update_or_create(code=code, defaults={"name": name, "category": category, "points": points})


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
