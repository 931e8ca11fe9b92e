import django.db.models.deletion
from django.db import migrations, models

from undersigned.participation import listing


def install_triggers(apps, schema_editor):
    listing.install(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    listing.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("campaigns", "0004_area_threshold"),
        # The triggers read the signature's status, listed and erased_at.
        ("signatures", "0005_listed"),
    ]

    operations = [
        migrations.AddField(
            model_name="signaturedivision",
            name="listed_campaign",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="signaturedivision",
            index=models.Index(
                condition=models.Q(("listed_campaign__isnull", False)),
                fields=["listed_campaign", "division", "signature"],
                name="placement_listed",
            ),
        ),
        # Last, so that going back drops the triggers before the column.
        migrations.RunPython(install_triggers, drop_triggers, elidable=False),
    ]
