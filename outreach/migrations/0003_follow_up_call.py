"""A follow-up's contact with the respondent is a call (FollowUpCall); the table is renamed, no row changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_canonical_phones")]

    operations = [
        migrations.RenameModel(old_name="FollowUpContact", new_name="FollowUpCall"),
        migrations.AlterField(
            model_name="followupcall",
            name="follow_up",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="calls", to="outreach.followup"
            ),
        ),
    ]
