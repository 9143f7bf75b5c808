"""ADR 0011: reasons are rendered from the stored figures at display time.

The sentences stored by earlier runs stay, under ``legacy_reasons`` (shown as they were stored);
new results leave it empty. The foreign keys of the results lose their own indexes, which the two
composite indexes already lead with, and their database constraints (checked for each of the
300,000 rows of a county run at commit); the rows are written from ids read in the same transaction.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0003_village_exit_targets'),
        ('registry', '0001_initial'),
    ]

    operations = [
        migrations.RenameField(model_name='householdassessment', old_name='reasons', new_name='legacy_reasons'),
        migrations.AlterField(
            model_name='householdassessment', name='legacy_reasons',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='householdassessment', name='run',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='results', to='assessment.assessmentrun'),
        ),
        migrations.AlterField(
            model_name='householdassessment', name='household',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='assessments', to='registry.household'),
        ),
    ]
