"""Bundles on orders (OrderItem.bundle_item, quantity_per_bundle; items ordered bundle first, then its
components) and the flags estimates were asked with (use_wallet, use_account_credit)."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


def flags_from_amounts(apps, schema_editor):
    """Estimates made before the flags were kept: funds taken mean the flag was asked (none: unknown, left off)."""
    Estimate = apps.get_model("orders", "Estimate")
    Estimate.objects.filter(wallet_funds__gt=0).update(use_wallet=True)
    Estimate.objects.filter(account_credit__gt=0).update(use_account_credit=True)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="orderitem",
            options={"ordering": ["order", django.db.models.functions.comparison.Coalesce("bundle_item", "id"), "id"]},
        ),
        migrations.AddField(
            model_name="estimate",
            name="use_account_credit",
            field=models.BooleanField(default=False, help_text="Asked to use the credit on the account."),
        ),
        migrations.AddField(
            model_name="estimate",
            name="use_wallet",
            field=models.BooleanField(default=False, help_text="Asked to pay from the wallet's open balance first."),
        ),
        migrations.RunPython(flags_from_amounts, migrations.RunPython.noop),
        migrations.AddField(
            model_name="orderitem",
            name="bundle_item",
            field=models.ForeignKey(
                blank=True,
                help_text="The bundle's item this component belongs to (components follow their bundle's quantity).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="components",
                to="orders.orderitem",
            ),
        ),
        migrations.AddField(
            model_name="orderitem",
            name="quantity_per_bundle",
            field=models.PositiveIntegerField(
                blank=True, help_text="Components only: units in each unit of the bundle.", null=True
            ),
        ),
        migrations.AddConstraint(
            model_name="orderitem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("bundle_item__isnull", True), ("quantity_per_bundle__isnull", True)),
                    models.Q(
                        ("bundle_item__isnull", False),
                        models.Q(("bundle_item", models.F("id")), _negated=True),
                        ("quantity_per_bundle__gte", 1),
                        ("is_charge", False),
                        ("unit_price", 0),
                        ("discount", 0),
                        ("net", 0),
                        ("tax", 0),
                        ("total", 0),
                    ),
                    _connector="OR",
                ),
                name="order_item_components_free_and_counted_per_bundle",
            ),
        ),
    ]
