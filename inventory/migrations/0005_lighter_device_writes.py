"""Fewer index entries and key checks per device written (the device import writes 100,000 at a time).

- devices: no single-column index on business_id (the (business, serial_number) and (business, state) indexes
  lead with it) nor on warehouse_id ((warehouse, product, state) leads with it); owners indexed where set;
  no foreign key on status_id alone: migration 0004's (status_id, state) key already checks the status.
- device history: no index on the copies of the foreign keys (rows are read by device id and date).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("finance", "0004_order_numbers"),
        ("inventory", "0004_device_status_matches_state"),
    ]

    operations = [
        migrations.AlterField(
            model_name="device",
            name="business",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contacts.business",
            ),
        ),
        migrations.AlterField(
            model_name="device",
            name="owner_contact",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="devices",
                to="contacts.contact",
            ),
        ),
        migrations.AlterField(
            model_name="device",
            name="owner_organisation",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="devices",
                to="contacts.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="device",
            name="status",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="devices",
                to="inventory.devicestatus",
            ),
        ),
        migrations.AlterField(
            model_name="device",
            name="warehouse",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="devices",
                to="inventory.warehouse",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="balance_warehouse",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                help_text="The warehouse whose stock balance counts this device: where it is, or where it was dispatched or rented from. Empty once sold or for contacts' own devices.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="inventory.warehouse",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="business",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contacts.business",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="location",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="inventory.location",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="owner_contact",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contacts.contact",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="owner_organisation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contacts.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="product",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="finance.product",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="status",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="inventory.devicestatus",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldevice",
            name="warehouse",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="inventory.warehouse",
            ),
        ),
        migrations.AddIndex(
            model_name="device",
            index=models.Index(
                condition=models.Q(("owner_contact__isnull", False)),
                fields=["owner_contact"],
                name="device_owner_contact",
            ),
        ),
        migrations.AddIndex(
            model_name="device",
            index=models.Index(
                condition=models.Q(("owner_organisation__isnull", False)),
                fields=["owner_organisation"],
                name="device_owner_organisation",
            ),
        ),
    ]
