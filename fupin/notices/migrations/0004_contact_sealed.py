"""Phone numbers and contacts sealed with SM4-GCM (ADR 0024)."""

import fupin.core.sealed
from django.db import migrations

from fupin.core.sealed import open_existing, seal_existing


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0003_notice_kind_monitoring'),
    ]

    operations = [
        migrations.AlterField(
            model_name='objection',
            name='contact',
            field=fupin.core.sealed.SealedField(blank=True, plain_max_length=50, verbose_name='联系方式'),
        ),
        migrations.RunPython(seal_existing("notices_objection", "contact"), open_existing("notices_objection", "contact")),
    ]
