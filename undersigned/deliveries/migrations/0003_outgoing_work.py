"""Delivery attempts become rows of outgoing work (undersigned/outgoing/): a
priority, the give-up clock (`queued_at`), a `next_try_at` that is always set,
and the cause of the last failure."""

import django.utils.timezone
from django.db import migrations, models


def due_now(apps, schema_editor):
    DeliveryAttempt = apps.get_model("deliveries", "DeliveryAttempt")
    DeliveryAttempt.objects.filter(next_try_at__isnull=True).update(
        next_try_at=django.utils.timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("deliveries", "0002_models_moved_out"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="deliveryattempt", name="attempt_state"),
        migrations.AddField(
            model_name="deliveryattempt",
            name="priority",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="deliveryattempt",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="deliveryattempt",
            name="failure",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("outage", "Server unreachable"),
                    ("temporary", "Refused for now"),
                    ("refused", "Refused for good"),
                    ("error", "Error"),
                ],
                default="",
                max_length=10,
            ),
        ),
        migrations.RunPython(due_now, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deliveryattempt",
            name="next_try_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name="deliveryattempt",
            index=models.Index(
                fields=["state", "priority", "next_try_at"], name="deliveryattempt_due"
            ),
        ),
        migrations.AddIndex(
            model_name="deliveryattempt",
            index=models.Index(
                condition=models.Q(("failure", "outage")),
                fields=["state"],
                name="deliveryattempt_outage",
            ),
        ),
    ]
