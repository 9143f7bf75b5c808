"""Phone numbers and contacts sealed with SM4-GCM (ADR 0024)."""

import fupin.core.sealed
from django.db import migrations

from fupin.core.sealed import open_existing, seal_existing


class Migration(migrations.Migration):

    dependencies = [
        ('hotline', '0003_ledger_fields_from_the_core'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ticket',
            name='citizen_phone',
            field=fupin.core.sealed.SealedField(blank=True, plain_max_length=30, verbose_name='联系电话'),
        ),
        migrations.RunPython(seal_existing("hotline_ticket", "citizen_phone"), open_existing("hotline_ticket", "citizen_phone")),
    ]
