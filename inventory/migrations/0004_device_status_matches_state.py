"""A device's status always maps to its state, enforced by the database too (PostgreSQL).

Django has no composite foreign keys, so the (status_id, state) → device status (id, state) key is
added in SQL; SQLite (the local `make run` database) relies on the services alone.
"""

from django.db import migrations, models

FOREIGN_KEY = "device_status_maps_to_state"


def add_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE inventory_device ADD CONSTRAINT {FOREIGN_KEY} FOREIGN KEY (status_id, state) "
            "REFERENCES inventory_devicestatus (id, state) DEFERRABLE INITIALLY IMMEDIATE"
        )


def drop_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE inventory_device DROP CONSTRAINT {FOREIGN_KEY}")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("inventory", "0003_meter_history"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="devicestatus",
            constraint=models.UniqueConstraint(fields=("id", "state"), name="device_status_id_state"),
        ),
        migrations.RunPython(add_foreign_key, drop_foreign_key),
    ]
