"""A family to visit is a Household (it was called Contact); tables and columns are renamed, no row changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0003_follow_up_call"),
        ("units", "0002_canonical_phones"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The visits' index is built again on the renamed column (a rename would keep the old field in its state).
        migrations.RemoveIndex(model_name="visit", name="outreach_vi_contact_25c3ea_idx"),
        migrations.RenameModel(old_name="Contact", new_name="Household"),
        migrations.RenameField(model_name="visit", old_name="contact", new_name="household"),
        migrations.AlterField(
            model_name="household",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="households",
                to="units.unit",
                verbose_name="unit",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="households",
                to=settings.AUTH_USER_MODEL,
                verbose_name="assigned to",
            ),
        ),
        # Generated index names follow the model and field names.
        migrations.RenameIndex(
            model_name="household", new_name="outreach_ho_unit_id_e247d0_idx", old_name="outreach_co_unit_id_a3749a_idx"
        ),
        migrations.AddIndex(
            model_name="visit", index=models.Index(fields=["household", "date"], name="outreach_vi_househo_b914f5_idx")
        ),
    ]
