"""Benchmark: importing 100,000 devices along the real import path, against a raw PostgreSQL COPY.

Run by `make bench` (or `.venv/bin/python bench/bench_device_import.py [ROWS]`). Creates its own throwaway
database (crmcom_bench, or $BENCH_DATABASE) on the PostgreSQL server of $BENCH_DATABASE_SERVER
(postgres://postgres@127.0.0.1:5432), migrates it, and drops it at the end.

In one run it prints:
- the real path: `start_device_import` as the API and `manage.py import_devices` call it (read the CSV,
  check every row against products, characteristics, custom fields, MACs and known serials, then one
  posted STOCK_IN: lines, ledger entries, balances, devices, history rows, line links), rows/s;
- a raw COPY of the same rows into a bare table shaped like the devices table (no index, no constraint);
- the ratio of the two (goal: the real path within 10x of COPY);
- a raw COPY of the same rows into the real tables (devices, history, line links), the floor of any path;
- django-import-export's default row-by-row ModelResource path on a 2,000-row sample, for contrast.
"""

import os
import sys
import time

from _common import migrate, run_in_throwaway_database, use_database

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SAMPLE_ROWS = 2_000
PRODUCTS = 10
GOAL_RATIO = 10
DATABASE = os.environ.get("BENCH_DATABASE", "crmcom_bench")

use_database(DATABASE)


def timed(label: str, seconds: float, rows: int) -> float:
    rate = rows / seconds
    print(f"  {label:<62} {seconds:8.2f} s {rate:>12,.0f} rows/s")
    return rate


def main() -> int:
    return run_in_throwaway_database("bench_device_import", DATABASE, run, media=True)


def run() -> int:
    migrated = migrate()
    print(f"device import benchmark: {ROWS:,} rows, {PRODUCTS} products (migrated in {migrated:.0f} s)")
    business, owner, warehouse, products = make_catalogue()
    csv_text = make_csv(products, ROWS, prefix="SN")
    print(f"  CSV: {len(csv_text) / 1e6:.1f} MB, columns: {csv_text.splitlines()[0]}")

    real_rate, phases, ok, line_id = real_path(business, owner, warehouse, csv_text)
    copy_rate = raw_copy(business, warehouse, products)
    floor_rate = schema_floor(business, warehouse, products, line_id)
    default_rate = default_path(business, warehouse, products)

    ratio = copy_rate / real_rate
    verdict = "within" if ratio <= GOAL_RATIO else "NOT within"
    print(f"  phases of the real path: {phases}")
    print(f"  ratio: the real path takes {ratio:.1f}x the time of COPY ({verdict} the {GOAL_RATIO}x goal)")
    print(f"  writing the same rows into the real tables alone takes {copy_rate / floor_rate:.1f}x COPY's time;")
    print(f"  the real path takes {floor_rate / real_rate:.1f}x that floor")
    print(f"  the real path is {real_rate / default_rate:.0f}x django-import-export's default row-by-row path")
    return 0 if ok and ratio <= GOAL_RATIO else 1


def make_catalogue():
    from crmcom.core.models import CustomFieldDefinition
    from finance.models import CharacteristicDefinition, Product
    from inventory.models import Location
    from inventory.selectors_warehouses import business_warehouse
    from tests.factories import make_business

    business, owner = make_business("Bench Telecom")
    warehouse = business_warehouse(business_id=business.pk)
    Location.objects.create(business=business, warehouse=warehouse, name="Shelf A")
    products = []
    for n in range(PRODUCTS):
        product = Product.objects.create(
            business=business,
            sku=f"BOX-{n}",
            name=f"Set-top box {n}",
            kind="physical_good",
            traceable=True,
            stockable=True,
        )
        CharacteristicDefinition.objects.create(
            product=product, name="colour", value_type="choice", required=True, allowed_values=["black", "white"]
        )
        CharacteristicDefinition.objects.create(product=product, name="storage_gb", value_type="integer")
        products.append(product)
    CustomFieldDefinition.objects.create(business=business, target="device", name="batch", value_type="text")
    return business, owner, warehouse, products


def make_csv(products, rows: int, prefix: str) -> str:
    lines = ["SN,SKU,MAC,Electronic ID,Location,char:colour,char:storage_gb,cf:batch"]
    for n in range(rows):
        mac = f"00-1A-{n >> 24 & 255:02X}-{n >> 16 & 255:02X}-{n >> 8 & 255:02X}-{n & 255:02X}"
        colour = "black" if n % 2 else "white"
        lines.append(
            f"{prefix}{n:08d},BOX-{n % len(products)},{mac},E{n},Shelf A,{colour},{16 << (n % 3)},B{n // 1000}"
        )
    return "\n".join(lines) + "\n"


def real_path(business, owner, warehouse, csv_text: str):
    from django.core.files.base import ContentFile

    from inventory.models import Device, ImportStatus
    from inventory.selectors import stock_drift
    from inventory.services import device_import

    phases = {}

    def clocked(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0) + time.perf_counter() - start

        return wrapper

    originals = {name: getattr(device_import, name) for name in ("read_table", "check_rows", "post_imported_devices")}
    for name, function in originals.items():
        setattr(device_import, name, clocked(name, function))
    try:
        start = time.perf_counter()
        result = device_import.start_device_import(
            business=business,
            warehouse=warehouse,
            file=ContentFile(csv_text.encode(), name="bench.csv"),
            user=owner,
            background=False,
        )
        elapsed = time.perf_counter() - start
    finally:
        for name, function in originals.items():
            setattr(device_import, name, function)
    rate = timed("real import path (read, check, STOCK_IN, history, balances)", elapsed, ROWS)
    devices = Device.objects.filter(business=business).count()
    history = Device.history.filter(business=business).count()
    drift = stock_drift(business_id=business.pk)
    ok = result.status == ImportStatus.SUCCEEDED and devices == ROWS and history == ROWS and not drift
    verdict = "ok" if ok else "WRONG"
    print(f"    -> {result.status}: {devices:,} devices, {history:,} history rows, drift {len(drift)} ({verdict})")
    if result.errors:
        print(f"    first errors: {result.errors[:3]}")
    shown = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in phases.items())
    return rate, shown, ok, result.transaction.lines.first().pk


def device_rows(business, warehouse, products, prefix: str, first_id: int) -> list[dict]:
    """The rows the import writes, as the devices table holds them (ids from `first_id`)."""
    import json

    from inventory.models import DeviceStatus, Location

    status = DeviceStatus.objects.get(business=business, state="new", is_default=True)
    location = Location.objects.get(warehouse=warehouse, name="Shelf A")
    now = "2025-01-01 00:00:00+00"
    return [
        {
            "id": first_id + n,
            "business_id": business.pk,
            "serial_number": f"{prefix}{n:08d}",
            "electronic_id": f"E{n}",
            "mac_address": f"00:1A:{n >> 24 & 255:02X}:{n >> 16 & 255:02X}:{n >> 8 & 255:02X}:{n & 255:02X}",
            "platform": "",
            "registration_token": "",
            "wifi_status": "unknown",
            "connectivity": "none",
            "product_id": products[n % len(products)].pk,
            "owner_type": "business",
            "owner_contact_id": None,
            "owner_organisation_id": None,
            "warehouse_id": warehouse.pk,
            "location_id": location.pk,
            "balance_warehouse_id": warehouse.pk,
            "state": "new",
            "status_id": status.pk,
            "characteristics": json.dumps({"colour": "black" if n % 2 else "white", "storage_gb": 16 << (n % 3)}),
            "custom_fields": json.dumps({"batch": f"B{n // 1000}"}),
            "created_at": now,
            "updated_at": now,
            "history_date": now,
            "history_change_reason": "bench",
            "history_type": "+",
            "history_user_id": None,
        }
        for n in range(ROWS)
    ]


def copy_text(rows: list[dict], columns: list[str]) -> str:
    return "".join("\t".join("\\N" if row[c] is None else str(row[c]) for c in columns) + "\n" for row in rows)


def raw_copy(business, warehouse, products) -> float:
    """The same rows, as the devices table would hold them, COPYed into a bare table of the same shape."""
    from django.db import connection, transaction

    from inventory.models import Device

    columns = [f.column for f in Device._meta.concrete_fields]
    data = copy_text(device_rows(business, warehouse, products, "CP", 1), columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_bare_device (LIKE {Device._meta.db_table})")
    statement = f"COPY bench_bare_device ({', '.join(columns)}) FROM STDIN"
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)
    elapsed = time.perf_counter() - start
    return timed("raw COPY into a bare table of the same shape", elapsed, ROWS)


def schema_floor(business, warehouse, products, line_id: int) -> float:
    """What any path must write, with nothing else: the rows COPYed straight into the devices table, its history
    table and the line links, with their indexes and foreign keys (checked at commit). No reading, no checks.
    """
    from django.db import connection, transaction

    from inventory.models import Device, WarehouseTransactionLine

    history = Device.history.model
    links = WarehouseTransactionLine.devices.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM inventory_device")
        first_id = (cursor.fetchone()[0] or 0) + 1_000_000
    rows = device_rows(business, warehouse, products, "FL", first_id)
    device_columns = [f.column for f in Device._meta.concrete_fields]
    history_columns = [f.column for f in history._meta.concrete_fields if not f.primary_key]
    devices, histories = copy_text(rows, device_columns), copy_text(rows, history_columns)
    link_rows = "".join(f"{line_id}\t{row['id']}\n" for row in rows)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(f"COPY {Device._meta.db_table} ({', '.join(device_columns)}) FROM STDIN") as copy:
            copy.write(devices)
        with cursor.copy(f"COPY {history._meta.db_table} ({', '.join(history_columns)}) FROM STDIN") as copy:
            copy.write(histories)
        with cursor.copy(f"COPY {links} (warehousetransactionline_id, device_id) FROM STDIN") as copy:
            copy.write(link_rows)
    elapsed = time.perf_counter() - start
    return timed("raw COPY into the real tables (devices, history, line links)", elapsed, ROWS)


def default_path(business, warehouse, products) -> float:
    """django-import-export's default: a ModelResource saving one row at a time (a history row per save)."""
    import tablib
    from import_export import resources

    from inventory.models import Device, DeviceStatus

    status = DeviceStatus.objects.get(business=business, state="new", is_default=True)

    class DefaultDeviceResource(resources.ModelResource):
        class Meta:
            model = Device
            fields = (
                "id",  # not in the file: every row is new, no lookup
                "serial_number",
                "electronic_id",
                "mac_address",
                "product",
                "status",
                "warehouse",
                "balance_warehouse",
                "characteristics",
                "custom_fields",
            )

        def before_save_instance(self, instance, row, **kwargs):
            instance.business_id = business.pk

    dataset = tablib.Dataset(headers=list(DefaultDeviceResource.Meta.fields[1:]))
    for n in range(SAMPLE_ROWS):
        mac = f"00:1B:00:00:{n >> 8 & 255:02X}:{n & 255:02X}"
        dataset.append(
            (
                f"DF{n:08d}",
                f"E{n}",
                mac,
                products[n % len(products)].pk,
                status.pk,
                warehouse.pk,
                warehouse.pk,
                '{"colour": "black"}',
                '{"batch": "B1"}',
            )
        )
    start = time.perf_counter()
    result = DefaultDeviceResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - start
    assert result.totals["new"] == SAMPLE_ROWS, result.totals
    return timed(f"django-import-export default row-by-row path ({SAMPLE_ROWS:,} rows)", elapsed, SAMPLE_ROWS)


if __name__ == "__main__":
    sys.exit(main())
