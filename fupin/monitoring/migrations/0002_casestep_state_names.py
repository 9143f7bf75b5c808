"""The case's step ledger takes the workflow core's column names (ADR 0017)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="casestep", old_name="from_step", new_name="from_state"),
        migrations.RenameField(model_name="casestep", old_name="to_step", new_name="to_state"),
    ]
