"""The award categories (自强之星, 星级户评定, 光荣脱贫户) and the 爱心超市 rules their awards earn: data the
app reads (refreshed by ``programmes_seed`` from ``fupin/measures/catalogue.py``, whose values are copied
here as they were when this migration was written)."""

from django.db import migrations

POINT_RULES = (
    ("award_self_reliance", "获评自强之星", "激励扶志", 20),
    ("award_star_household", "获评星级户", "激励扶志", 10),
)
CATEGORIES = (
    ("self_reliance_star", "自强之星", "title", "award_self_reliance"),
    ("star_household", "星级户评定", "stars", "award_star_household"),
    ("honour_exit", "光荣脱贫户", "title", ""),
)


def fill(apps, schema_editor):
    PointRule = apps.get_model("measures", "PointRule")
    AwardCategory = apps.get_model("measures", "AwardCategory")
    for code, name, category, points in POINT_RULES:
        PointRule.objects.update_or_create(code=code, defaults={"name": name, "category": category, "points": points})
    for sort, (code, name, kind, rule) in enumerate(CATEGORIES):
        AwardCategory.objects.update_or_create(code=code, defaults={
            "name": name, "kind": kind, "sort": sort, "point_rule": PointRule.objects.filter(code=rule).first()})


class Migration(migrations.Migration):
    dependencies = [("measures", "0003_loans_ratings_awards")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
