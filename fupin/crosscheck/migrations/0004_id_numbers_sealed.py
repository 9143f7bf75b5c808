"""ID numbers sealed with SM4-GCM, found through a keyed blind index; the open key names the index (ADR 0024)."""

import fupin.core.sealed
from typing import Any

from django.db import migrations, models

from fupin.core.sealed import ID, blind, open_existing, seal_existing


def open_keys_by_index(apps: Any, schema_editor: Any) -> None:
    """``year:dataset:code:<ID number>:household`` becomes ``…:<index of the ID number>:…``."""
    Finding = apps.get_model("crosscheck", "Finding")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, open_key FROM crosscheck_finding")
        rows = []
        for pk, key in cursor.fetchall():
            year, dataset, code, number, household = key.split(":") if key.count(":") == 4 else (None,) * 5
            if number:
                rows.append((f"{year}:{dataset}:{code}:{blind(ID, number)}:{household}", pk))
        cursor.executemany(f"UPDATE {Finding._meta.db_table} SET open_key = %s WHERE id = %s", rows)  # noqa: S608


class Migration(migrations.Migration):

    dependencies = [
        ('crosscheck', '0003_ledger_fields_from_the_core'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='listrow',
            name='crosscheck__load_id_521f7f_idx',
        ),
        migrations.AddField(
            model_name='finding',
            name='id_index',
            field=fupin.core.sealed.BlindIndexField(db_index=True, kind='id', max_length=32, source='id_number', default=''),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='listrow',
            name='id_index',
            field=fupin.core.sealed.BlindIndexField(kind='id', max_length=32, source='id_number', default=''),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='finding',
            name='id_number',
            field=fupin.core.sealed.SealedField(index='id_index', plain_max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='listrow',
            name='id_number',
            field=fupin.core.sealed.SealedField(index='id_index', plain_max_length=18, verbose_name='身份证号'),
        ),
        migrations.RunPython(open_keys_by_index, migrations.RunPython.noop),
        migrations.RunPython(seal_existing("crosscheck_finding", "id_number", ["id_index"]),
                             open_existing("crosscheck_finding", "id_number")),
        migrations.RunPython(seal_existing("crosscheck_listrow", "id_number", ["id_index"]),
                             open_existing("crosscheck_listrow", "id_number")),
        migrations.AddIndex(
            model_name='listrow',
            index=models.Index(fields=['load', 'id_index'], name='crosscheck__load_id_fa24be_idx'),
        ),
    ]
