"""Phones stored in their canonical form (units.phones), so that the same phone is the same text."""

from django.db import migrations

from units.phones import phones_canonicalise


def canonicalise(apps, schema_editor) -> None:
    phones_canonicalise(apps.get_model("units", "GroupMember"), "phone")


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]
