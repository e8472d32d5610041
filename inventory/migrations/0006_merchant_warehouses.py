"""B2B merchants' warehouses: a warehouse may hold one merchant organisation's stock.

The business keeps one default among its own warehouses (no organisation) and each merchant gets at most
one default of its own. Existing warehouses are the businesses' own (organisation NULL): no data to move.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0001_initial'),
        ('inventory', '0005_lighter_device_writes'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='warehouse',
            name='one_default_warehouse_per_business',
        ),
        migrations.AddField(
            model_name='historicalwarehouse',
            name='organisation',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text="The B2B merchant whose stock this warehouse holds; empty for the business's own stock.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contacts.organisation'),
        ),
        migrations.AddField(
            model_name='warehouse',
            name='organisation',
            field=models.ForeignKey(blank=True, help_text="The B2B merchant whose stock this warehouse holds; empty for the business's own stock.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='warehouses', to='contacts.organisation'),
        ),
        migrations.AlterField(
            model_name='historicalwarehouse',
            name='is_default',
            field=models.BooleanField(default=False, help_text="Orders are fulfilled from it: the business's, or its merchant's, default."),
        ),
        migrations.AlterField(
            model_name='warehouse',
            name='is_default',
            field=models.BooleanField(default=False, help_text="Orders are fulfilled from it: the business's, or its merchant's, default."),
        ),
        migrations.AddConstraint(
            model_name='warehouse',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default', True), ('organisation__isnull', True)), fields=('business',), name='one_default_own_warehouse_per_business', violation_error_message='The business has a default warehouse already.'),
        ),
        migrations.AddConstraint(
            model_name='warehouse',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('business', 'organisation'), name='one_default_warehouse_per_merchant', violation_error_message='This merchant has a default warehouse already.'),
        ),
    ]
