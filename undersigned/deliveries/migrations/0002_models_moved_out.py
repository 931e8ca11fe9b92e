"""CountEvent and Tally now live in the counting app, DeliveryRule in the
campaigns app. Only Django's state changes: the tables and rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0005_deliveryrule"),
        ("counting", "0001_initial"),
        ("deliveries", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CountEvent"),
                migrations.DeleteModel(name="DeliveryRule"),
                migrations.DeleteModel(name="Tally"),
            ],
            database_operations=[],
        ),
    ]
