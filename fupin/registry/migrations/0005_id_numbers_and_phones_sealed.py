"""ID numbers and phone numbers sealed with SM4-GCM, with keyed blind indexes (ADR 0024)."""

import fupin.core.sealed
from django.db import migrations

from fupin.core.sealed import open_existing, seal_existing

ID_INDEXES = ("id_index", "id_head6", "id_head10", "id_tail6")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_work_team_one_current_per_village'),
    ]

    operations = [
        migrations.AddField(
            model_name='member',
            name='id_head10',
            field=fupin.core.sealed.BlindIndexField(db_index=True, kind='id-head10', max_length=16, source='id_number'),
        ),
        migrations.AddField(
            model_name='member',
            name='id_head6',
            field=fupin.core.sealed.BlindIndexField(db_index=True, kind='id-head6', max_length=16, source='id_number'),
        ),
        migrations.AddField(
            model_name='member',
            name='id_index',
            field=fupin.core.sealed.BlindIndexField(kind='id', max_length=32, source='id_number', default=''),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='member',
            name='id_tail6',
            field=fupin.core.sealed.BlindIndexField(db_index=True, kind='id-tail6', max_length=16, source='id_number'),
        ),
        migrations.AlterField(
            model_name='helperassignment',
            name='phone',
            field=fupin.core.sealed.SealedField(blank=True, plain_max_length=20, verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='household',
            name='phone',
            field=fupin.core.sealed.SealedField(blank=True, plain_max_length=20, verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='member',
            name='id_number',
            field=fupin.core.sealed.SealedField(index='id_index', plain_max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='workteammember',
            name='phone',
            field=fupin.core.sealed.SealedField(blank=True, plain_max_length=20, verbose_name='联系电话'),
        ),
        migrations.RunPython(seal_existing("registry_member", "id_number", ID_INDEXES),
                             open_existing("registry_member", "id_number")),
        migrations.RunPython(seal_existing("registry_household", "phone"), open_existing("registry_household", "phone")),
        migrations.RunPython(seal_existing("registry_helperassignment", "phone"),
                             open_existing("registry_helperassignment", "phone")),
        migrations.RunPython(seal_existing("registry_workteammember", "phone"),
                             open_existing("registry_workteammember", "phone")),
        migrations.AlterField(
            model_name='member',
            name='id_index',
            field=fupin.core.sealed.BlindIndexField(kind='id', max_length=32, source='id_number', unique=True),
        ),
    ]
