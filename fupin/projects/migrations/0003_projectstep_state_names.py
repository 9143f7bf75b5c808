"""The project's step ledger takes the workflow core's column names (ADR 0017)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_project_quality_deposit"),
    ]

    operations = [
        migrations.RenameField(model_name="projectstep", old_name="from_status", new_name="from_state"),
        migrations.RenameField(model_name="projectstep", old_name="to_status", new_name="to_state"),
    ]
