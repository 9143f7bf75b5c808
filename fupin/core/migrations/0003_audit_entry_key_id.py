"""The keyed audit chain (ADR 0021): each entry names the key its MAC was made with; entries written before
have none and keep their plain SHA-256, verified as they were. Nothing is re-chained: a re-chained log would
also seal whatever had been altered in it before."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_audit_entry_area_path'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.AddField(
            model_name='auditchainhead',
            name='checkpoint_seq',
            field=models.BigIntegerField(default=0),
        ),
    ]
