"""Users' phone numbers sealed with SM4-GCM, with a keyed blind index (ADR 0024)."""

import fupin.core.sealed
from django.db import migrations

from fupin.core.sealed import open_existing, seal_existing


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_user_must_change_password_sessions'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='phone_index',
            field=fupin.core.sealed.BlindIndexField(db_index=True, kind='phone', max_length=32, source='phone', default=''),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=fupin.core.sealed.SealedField(blank=True, index='phone_index', plain_max_length=20, verbose_name='联系电话'),
        ),
        migrations.RunPython(seal_existing("accounts_user", "phone", ["phone_index"]), open_existing("accounts_user", "phone")),
    ]
