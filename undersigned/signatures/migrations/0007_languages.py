from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0006_comment_consent"),
    ]

    # A plain ADD COLUMN on both databases: Django's own way on SQLite rebuilds
    # the table, which the listing triggers (participation/listing.py) that
    # name it forbid. The column's database default fills the existing rows.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="signature",
                    name="language",
                    field=models.CharField(default="en", max_length=10),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE signatures_signature "
                    "ADD COLUMN language varchar(10) NOT NULL DEFAULT 'en'",
                    reverse_sql="ALTER TABLE signatures_signature DROP COLUMN language",
                ),
            ],
        ),
    ]
