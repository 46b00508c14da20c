"""An index on (kind, path) for the peers of a ranking: the units of one kind below a scope.

PostgreSQL needs the pattern operator class for ``LIKE 'prefix%'`` under a
collation other than C (the plain ``path`` index already has its ``_like``
twin); SQLite uses the plain index.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX unit_kind_path ON units_unit (kind, path varchar_pattern_ops)")
    else:
        schema_editor.execute("CREATE INDEX unit_kind_path ON units_unit (kind, path)")


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX unit_kind_path")


class Migration(migrations.Migration):
    dependencies = [("units", "0003_phone_export")]

    operations = [migrations.RunPython(create, drop)]
