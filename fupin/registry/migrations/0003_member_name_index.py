"""Index member names, so the list's name search (by the start of the name) is an index range scan.

The database side is written out because Django's SQLite backend would rebuild the whole member
table for a db_index change; a plain CREATE INDEX does the same job in place. The index names are the
ones Django generates for ``db_index=True``.
"""

from django.db import migrations, models

INDEXES = {
    "sqlite": ['CREATE INDEX "registry_member_name_4d2df171" ON "registry_member" ("name")'],
    "postgresql": [
        'CREATE INDEX "registry_member_name_4d2df171" ON "registry_member" ("name")',
        # LIKE 'x%' uses a plain btree only under the C collation; this one serves any collation.
        'CREATE INDEX "registry_member_name_4d2df171_like" ON "registry_member" ("name" varchar_pattern_ops)',
    ],
}


def create_indexes(apps, schema_editor):
    for sql in INDEXES[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    for name in ("registry_member_name_4d2df171", "registry_member_name_4d2df171_like")[
            :len(INDEXES[schema_editor.connection.vendor])]:
        schema_editor.execute(f'DROP INDEX "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0002_helpers_and_work_teams'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='member',
                    name='name',
                    field=models.CharField(db_index=True, max_length=30, verbose_name='姓名'),
                ),
            ],
            database_operations=[migrations.RunPython(create_indexes, drop_indexes)],
        ),
    ]
