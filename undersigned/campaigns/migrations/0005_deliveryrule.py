"""DeliveryRule moves here from the deliveries app: campaign settings, read with
the campaign (docs/architecture.md). Only Django's state moves; the table keeps
its name (deliveries_deliveryrule) and every row."""

import django.db.models.deletion
from django.db import migrations, models

from undersigned.migrating import move_content_types


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_area_threshold"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("deliveries", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DeliveryRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("local", "Local: each area's officials"),
                                    ("national", "National: the fixed targets"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "division_type",
                            models.CharField(
                                blank=True,
                                help_text="Local: the area type, e.g. place, county, sldl.",
                                max_length=50,
                            ),
                        ),
                        (
                            "batch_size",
                            models.PositiveIntegerField(
                                default=100,
                                help_text="Local: deliver every time an area reaches a multiple of this.",
                            ),
                        ),
                        (
                            "every_n",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="National: deliver every time the total reaches a multiple of this (0: no).",
                                verbose_name="every N signers",
                            ),
                        ),
                        (
                            "deliver_at_goal",
                            models.BooleanField(
                                default=True,
                                help_text="National: deliver when the campaign reaches its goal.",
                            ),
                        ),
                        (
                            "deliver_on_close",
                            models.BooleanField(
                                default=True,
                                help_text="National: deliver the remaining signers when the campaign closes.",
                            ),
                        ),
                        (
                            "include_emails",
                            models.BooleanField(
                                default=False,
                                help_text="Off by default: the lists carry names and places only.",
                                verbose_name="include signers' e-mail addresses",
                            ),
                        ),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="delivery_rules",
                                to="campaigns.campaign",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "deliveries_deliveryrule",
                        "ordering": ["campaign", "kind", "division_type"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "local")),
                                fields=("campaign", "division_type"),
                                name="one_local_rule_per_type",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "national")),
                                fields=("campaign",),
                                name="one_national_rule",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        move_content_types("deliveries", "campaigns", ["deliveryrule"]),
    ]
