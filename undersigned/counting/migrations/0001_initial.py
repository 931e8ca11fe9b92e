"""CountEvent and Tally move here from the deliveries app (docs/architecture.md).
Only Django's state moves; the tables keep their names (deliveries_countevent,
deliveries_tally) and every row."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from undersigned.migrating import move_content_types


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("areas", "0002_placement_listed_campaign"),
        ("campaigns", "0005_deliveryrule"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("deliveries", "0001_initial"),
        ("signatures", "0005_listed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CountEvent",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("delta", models.SmallIntegerField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "campaign",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="campaigns.campaign",
                            ),
                        ),
                        (
                            "signature",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="signatures.signature",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "deliveries_countevent",
                        "indexes": [
                            models.Index(fields=["campaign", "delta"], name="countevent_campaign")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("delta__in", [-1, 1])),
                                name="countevent_delta_is_one",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Tally",
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
                        ("confirmed", models.IntegerField(default=0)),
                        ("milestones_created", models.PositiveIntegerField(default=0)),
                        ("signers_delivered", models.PositiveIntegerField(default=0)),
                        ("goal_delivered", models.BooleanField(default=False)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tallies",
                                to="campaigns.campaign",
                            ),
                        ),
                        (
                            "division",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="areas.division",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "tallies",
                        "db_table": "deliveries_tally",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("division__isnull", False)),
                                fields=("campaign", "division"),
                                name="one_tally_per_division",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("division__isnull", True)),
                                fields=("campaign",),
                                name="one_campaign_total",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        move_content_types("deliveries", "counting", ["countevent", "tally"]),
    ]
