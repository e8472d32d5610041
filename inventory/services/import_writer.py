"""Posting checked import rows: ONE posted STOCK_IN (purpose supplier) with a line per product, its ledger
entries and balance changes (posting's Plan and apply_deltas), and the devices with their history rows.

On PostgreSQL the devices are set-based: COPY into a temporary table, then one INSERT … SELECT that writes
the devices, their history rows and their links to the lines (data-modifying CTEs). Elsewhere (the SQLite
demo) posting.create_devices writes them with bulk_create_with_history. Either way the balances and the
ledger go through the same functions as every posting, so reconcile_stock sees no drift.
"""

import json
from collections import defaultdict

from django.db import connection
from django.db import transaction as db_transaction
from django.utils import timezone

from inventory.models import (
    Device,
    DeviceState,
    LinePurpose,
    OwnerType,
    StockLedgerEntry,
    TransactionKind,
    WarehouseTransaction,
    WarehouseTransactionLine,
)
from inventory.services.balances import apply_deltas
from inventory.services.devices import stock_in_status_picker
from inventory.services.import_validation import NewDevice
from inventory.services.posting import UNIT_EFFECTS, Plan, create_devices, posting_reason

STAGING_TABLE = "device_import_rows"
DETAILS = ("electronic_id", "mac_address", "platform", "registration_token", "wifi_status", "connectivity")
STAGED = ("serial_number", "product_id", "location_id", "status_id", *DETAILS, "characteristics", "custom_fields")


def post_imported_devices(
    *, business, warehouse, devices: list[NewDevice], user=None, reason: str = "", reference: str = "", on_posted=None
) -> WarehouseTransaction:
    """Stock `devices` in to `warehouse` in one database transaction; `on_posted(txn, count)` runs inside it."""
    with db_transaction.atomic():
        txn = WarehouseTransaction.objects.create(
            business=business,
            kind=TransactionKind.STOCK_IN,
            purpose=LinePurpose.SUPPLIER,
            warehouse=warehouse,
            reason=reason[:200],
            reference=reference[:100],
            created_by=user,
        )
        serials = defaultdict(list)
        for device in devices:
            serials[device.product_id].append(device.serial_number)
        lines = WarehouseTransactionLine.objects.bulk_create(
            WarehouseTransactionLine(transaction=txn, product_id=product_id, quantity=len(named), serial_numbers=named)
            for product_id, named in sorted(serials.items())
        )
        plan = Plan()
        for line in lines:
            plan.effect(line, warehouse.pk, line.quantity, UNIT_EFFECTS[LinePurpose.SUPPLIER], business.pk)
        apply_deltas(business_id=business.pk, deltas=plan.deltas)
        if copy_available():
            copy_devices(txn, devices, user)
        else:
            line_of = {line.product_id: line for line in lines}
            create_devices(txn, [(line_of[d.product_id], device_of(txn, d)) for d in devices], posting_reason(txn))
        StockLedgerEntry.objects.bulk_create(plan.entries)
        txn.post()
        txn.posted_at, txn.posted_by = timezone.now(), user
        txn.save()
        if on_posted:
            on_posted(txn, len(devices))
    return txn


def copy_available() -> bool:
    return connection.vendor == "postgresql"


def device_of(txn: WarehouseTransaction, new: NewDevice) -> Device:
    return Device(
        business_id=txn.business_id,
        serial_number=new.serial_number,
        product_id=new.product_id,
        warehouse_id=txn.warehouse_id,
        location_id=new.location_id,
        balance_warehouse_id=txn.warehouse_id,
        state=DeviceState.NEW,
        characteristics=new.characteristics,
        custom_fields=new.custom_fields,
        **new.details,
    )


def copy_devices(txn: WarehouseTransaction, devices: list[NewDevice], user) -> None:
    """COPY the rows into a temporary table, then devices + history rows + line links in one statement."""
    pick = stock_in_status_picker(business_id=txn.business_id, warehouse_id=txn.warehouse_id, state=DeviceState.NEW)
    status_of = {product_id: pick(product_id).pk for product_id in {device.product_id for device in devices}}
    now = timezone.now()
    constants = {
        "business_id": txn.business_id,
        "warehouse_id": txn.warehouse_id,
        "balance_warehouse_id": txn.warehouse_id,
        "state": DeviceState.NEW,
        "owner_type": OwnerType.BUSINESS,
        "created_at": now,
        "updated_at": now,
    }
    history_values = {
        "history_date": now,
        "history_change_reason": posting_reason(txn),
        "history_type": "+",
        "history_user_id": user.pk if user else None,
    }
    sql, params = insert_statement(txn, constants, history_values)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")  # sort and CTE rows in memory, not temp files
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING_TABLE} (position serial, serial_number text, product_id bigint, "
            "location_id bigint, status_id bigint, electronic_id text, mac_address text, platform text, "
            "registration_token text, wifi_status text, connectivity text, characteristics jsonb, "
            "custom_fields jsonb) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY {STAGING_TABLE} ({', '.join(STAGED)}) FROM STDIN") as copy:
            as_json = JsonOnce()
            for d in devices:
                details = d.details
                copy.write_row(
                    (
                        d.serial_number,
                        d.product_id,
                        d.location_id,
                        status_of[d.product_id],
                        *(details[name] for name in DETAILS),
                        as_json(d.characteristics),
                        as_json(d.custom_fields),
                    )
                )
        cursor.execute(sql, params)
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")


class JsonOnce:
    """json.dumps, once per dict object: rows with equal values share one cleaned dict (RowChecker.coerced)."""

    def __init__(self):
        self.seen: dict[int, tuple[dict, str]] = {}

    def __call__(self, value: dict) -> str:
        known = self.seen.get(id(value))
        if known is None:
            known = self.seen[id(value)] = (value, json.dumps(value))  # holding `value` keeps its id unique
        return known[1]


def insert_statement(txn: WarehouseTransaction, constants: dict, history_values: dict) -> tuple[str, list]:
    """INSERT devices from the staging table, RETURNING them into their history rows and line links.

    Columns come from the models, so a field added to Device (with a default) needs no change here.
    """
    quote = connection.ops.quote_name
    device_columns, device_values, params = [], [], []
    for model_field in Device._meta.concrete_fields:
        if model_field.primary_key:
            continue
        device_columns.append(quote(model_field.column))
        if model_field.attname in STAGED:
            device_values.append(f"r.{quote(model_field.attname)}")
        else:
            value = constants.get(model_field.attname, model_field.get_default())
            device_values.append("%s")
            params.append(model_field.get_db_prep_save(value, connection))
    history_columns, history_values_sql = [], []
    for model_field in Device.history.model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        history_columns.append(quote(model_field.column))
        if model_field.attname in history_values:
            history_values_sql.append("%s")
            params.append(model_field.get_db_prep_save(history_values[model_field.attname], connection))
        else:
            history_values_sql.append(f"new.{quote(model_field.column)}")
    links = WarehouseTransactionLine.devices.through._meta.db_table
    params.append(txn.pk)
    sql = f"""
        WITH new AS (
            INSERT INTO {quote(Device._meta.db_table)} ({", ".join(device_columns)})
            SELECT {", ".join(device_values)} FROM {STAGING_TABLE} r ORDER BY r.position
            RETURNING *
        ), history AS (
            INSERT INTO {quote(Device.history.model._meta.db_table)} ({", ".join(history_columns)})
            SELECT {", ".join(history_values_sql)} FROM new
        )
        INSERT INTO {quote(links)} (warehousetransactionline_id, device_id)
        SELECT line.id, new.id
        FROM new JOIN {quote(WarehouseTransactionLine._meta.db_table)} line
            ON line.transaction_id = %s AND line.product_id = new.product_id
    """
    return sql, params
