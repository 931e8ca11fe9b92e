"""E-mails become rows of outgoing work (undersigned/outgoing/): `status` is
`state` ("queued" is "pending"), with a priority, the give-up clock
(`queued_at`), `next_try_at`, the cause of the last failure, and the keys the
caps count. No task row is needed any more: the sender finds due rows itself."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def to_outgoing_work(apps, schema_editor):
    Email = apps.get_model("outbox", "Email")
    Email.objects.filter(state="queued").update(state="pending")
    # Confirmations first, as queue_email sets it from now on.
    Email.objects.filter(kind__in=["already_signed", "receipt"]).update(priority=1)
    Email.objects.filter(kind="delivered").update(priority=2)
    Email.objects.update(queued_at=F("created_at"))


def back(apps, schema_editor):
    Email = apps.get_model("outbox", "Email")
    Email.objects.filter(state="pending").update(state="queued")


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0003_receipt_email"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="email", name="email_status_created"),
        migrations.RenameField(model_name="email", old_name="status", new_name="state"),
        migrations.AlterField(
            model_name="email",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                ],
                default="pending",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="email",
            name="priority",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="email",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="email",
            name="next_try_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="email",
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
        migrations.AddField(
            model_name="email",
            name="network",
            field=models.BinaryField(blank=True, editable=False, max_length=8, null=True),
        ),
        migrations.AddField(
            model_name="email",
            name="domain",
            field=models.BinaryField(blank=True, editable=False, max_length=8, null=True),
        ),
        migrations.RunPython(to_outgoing_work, back),
        migrations.AddIndex(
            model_name="email",
            index=models.Index(fields=["state", "priority", "next_try_at"], name="email_due"),
        ),
        migrations.AddIndex(
            model_name="email",
            index=models.Index(
                condition=models.Q(("failure", "outage")), fields=["state"], name="email_outage"
            ),
        ),
        migrations.AddIndex(
            model_name="email",
            index=models.Index(
                condition=models.Q(("claimed_at__isnull", False)),
                fields=["claimed_at"],
                name="email_claimed",
            ),
        ),
        migrations.AddIndex(
            model_name="email",
            index=models.Index(
                condition=models.Q(("claimed_at__isnull", False)),
                fields=["network", "claimed_at"],
                name="email_network_claimed",
            ),
        ),
        migrations.AddIndex(
            model_name="email",
            index=models.Index(
                condition=models.Q(("claimed_at__isnull", False)),
                fields=["domain", "claimed_at"],
                name="email_domain_claimed",
            ),
        ),
    ]
