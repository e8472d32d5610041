"""Benchmark: the stock balance report (read from StockBalance) against a GROUP BY over the devices table.

Run by `make bench` (or `.venv/bin/python bench/bench_stock_report.py [DEVICES ...]`, default 100000 1000000).
Creates its own throwaway database (crmcom_bench_report, or $BENCH_REPORT_DATABASE) on the PostgreSQL
server of $BENCH_DATABASE_SERVER (postgres://postgres@127.0.0.1:5432), migrates it, and drops it at the end.

One business with 1,000 traceable products over two warehouses. Devices are filled with INSERT … SELECT
generate_series (60% new, 10% used, 5% blocked, 10% dispatched, 5% rented, 10% sold) and the balances are
made consistent with them by one INSERT … SELECT … GROUP BY (no reservations: reserved is 0). At each size:
- the report: `stock_balance_report` over the business's balances (what the API, the admin screen and the
  dashboard run), every product's row fetched;
- the same figures computed by a GROUP BY over the business's devices, also through the ORM;
- the report's API endpoint, one page of 50 products, end to end (token, filters, pagination, JSON).
Both computations return identical rows (checked). Times are medians in the same process; the goal is the
report at least 50x faster than the GROUP BY at 1,000,000 devices, and flat as devices grow.
"""

import os
import statistics
import sys
import time
import warnings

from _common import migrate, run_in_throwaway_database, use_database

SIZES = [int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000]
PRODUCTS = 1_000
GOAL_RATIO = 50
DATABASE = os.environ.get("BENCH_REPORT_DATABASE", "crmcom_bench_report")

use_database(DATABASE)
warnings.filterwarnings("ignore", "No directory at")  # whitenoise, for the API calls: no collected static here

# Product i % 1000; state by blocks of 1,000 so every product gets every state; warehouse by blocks of 20,000.
INSERT_DEVICES = """
INSERT INTO inventory_device (
    business_id, serial_number, electronic_id, mac_address, platform, registration_token, wifi_status,
    connectivity, product_id, owner_type, owner_contact_id, owner_organisation_id, warehouse_id, location_id,
    balance_warehouse_id, state, status_id, characteristics, custom_fields, created_at, updated_at
)
SELECT %(business)s, 'SN' || lpad(i::text, 9, '0'), '', '', '', '', 'unknown', 'none',
       (%(products)s::bigint[])[1 + i %% 1000],
       CASE WHEN s.state = 'sold' THEN 'contact' ELSE 'business' END,
       CASE WHEN s.state = 'sold' THEN %(contact)s::bigint END,
       NULL,
       CASE WHEN s.state IN ('new', 'used', 'blocked') THEN w.id END,
       NULL,
       CASE WHEN s.state <> 'sold' THEN w.id END,
       s.state, (%(statuses)s::jsonb ->> s.state)::bigint, '{}', '{}', now(), now()
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN (i / 1000) %% 20 < 12 THEN 'new'
        WHEN (i / 1000) %% 20 < 14 THEN 'used'
        WHEN (i / 1000) %% 20 < 15 THEN 'blocked'
        WHEN (i / 1000) %% 20 < 17 THEN 'dispatched'
        WHEN (i / 1000) %% 20 < 18 THEN 'rented'
        ELSE 'sold' END AS state
) AS s
CROSS JOIN LATERAL (SELECT (%(warehouses)s::bigint[])[1 + (i / 20000) %% 2] AS id) AS w
"""

# The balances the services would hold for these devices (DESIGN.md's table), written in one statement.
SYNC_BALANCES = """
INSERT INTO inventory_stockbalance
    (business_id, warehouse_id, product_id, in_hand, reserved, blocked, dispatched, rented)
SELECT business_id, balance_warehouse_id, product_id,
       count(*) FILTER (WHERE state IN ('new', 'used', 'blocked')), 0,
       count(*) FILTER (WHERE state = 'blocked'),
       count(*) FILTER (WHERE state = 'dispatched'),
       count(*) FILTER (WHERE state = 'rented')
FROM inventory_device
WHERE business_id = %(business)s AND balance_warehouse_id IS NOT NULL
GROUP BY business_id, balance_warehouse_id, product_id
ON CONFLICT (warehouse_id, product_id) DO UPDATE SET
    in_hand = EXCLUDED.in_hand, blocked = EXCLUDED.blocked,
    dispatched = EXCLUDED.dispatched, rented = EXCLUDED.rented
"""


def main() -> int:
    return run_in_throwaway_database("bench_stock_report", DATABASE, run)


def run() -> int:
    migrated = migrate()
    print(f"stock balance report benchmark: {PRODUCTS:,} products, 2 warehouses (migrated in {migrated:.0f} s)")
    setup = make_business()
    print(f"  {'':>18} {'as the app runs it (ORM, rows fetched)':^38} {'SQL only':^30}")
    print(
        f"  {'devices':>10} {'fill':>7} {'report':>10} {'GROUP BY':>10} {'ratio':>7} {'API page':>9}"
        f" {'report':>10} {'GROUP BY':>10} {'ratio':>7}"
    )
    ratio = 0.0
    filled = 0
    for size in sorted(SIZES):
        started = time.perf_counter()
        fill(setup, first=filled + 1, last=size)
        filled = size
        fill_seconds = time.perf_counter() - started
        ms = measure(setup)
        ratio = ms["group_by"] / ms["report"]
        print(
            f"  {size:>10,} {fill_seconds:>6.0f}s {ms['report']:>8.2f}ms {ms['group_by']:>8.1f}ms {ratio:>6.0f}x"
            f" {ms['api']:>7.2f}ms {ms['report_sql']:>8.2f}ms {ms['group_by_sql']:>8.1f}ms"
            f" {ms['group_by_sql'] / ms['report_sql']:>6.0f}x"
        )
    met = ratio >= GOAL_RATIO
    print(
        f"  goal: the report at least {GOAL_RATIO}x faster than the GROUP BY at {filled:,} devices: "
        f"{'met' if met else 'MISSED'} ({ratio:.0f}x)"
    )
    return 0 if met else 1


def make_business() -> dict:
    """One business as sign-up makes it, a partner warehouse, 1,000 traceable products, a buyer, an API token."""
    from rest_framework.authtoken.models import Token

    from contacts.models import Contact
    from contacts.services.contacts import create_contact
    from contacts.services.signup import signup_business
    from finance.models import Product, ProductKind
    from inventory.models import DeviceStatus, Warehouse, WarehouseKind

    signed_up = signup_business(
        business_name="Bench Telecom", currency="EUR", username="bench", password="a-long-pass-phrase",
        email="bench@example.com",
    )  # fmt: skip
    business = signed_up.business
    partner = Warehouse.objects.create(business=business, name="Partner depot", kind=WarehouseKind.PARTNER)
    products = Product.objects.bulk_create(
        Product(
            business=business, sku=f"P{n:04d}", name=f"Product {n:04d}", kind=ProductKind.PHYSICAL_GOOD,
            traceable=True, stockable=True,
        )
        for n in range(PRODUCTS)
    )  # fmt: skip
    buyer = create_contact(business=business, contact=Contact(kind="person", first_name="Bo", last_name="Buyer"))
    statuses = DeviceStatus.objects.filter(business=business, is_default=True).values_list("state", "pk")
    return {
        "business": business.pk,
        "owner": signed_up.owner,
        "token": Token.objects.create(user=signed_up.owner).key,
        "products": [product.pk for product in products],
        "warehouses": [signed_up.warehouse.pk, partner.pk],
        "contact": buyer.pk,
        "statuses": dict(statuses),
    }


def fill(setup: dict, *, first: int, last: int) -> None:
    """Devices `first`..`last`, then balances consistent with all devices, then fresh planner statistics."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    params = {key: setup[key] for key in ("business", "products", "warehouses", "contact")}
    with connection.cursor() as cursor:
        cursor.execute(INSERT_DEVICES, {**params, "statuses": Jsonb(setup["statuses"]), "first": first, "last": last})
        cursor.execute(SYNC_BALANCES, {"business": setup["business"]})
        cursor.execute("VACUUM ANALYZE inventory_device")
        cursor.execute("VACUUM ANALYZE inventory_stockbalance")


def report_query(user):
    from crmcom.core.tenancy import scope_queryset
    from inventory.models import StockBalance
    from inventory.reports import stock_balance_report

    return stock_balance_report(scope_queryset(StockBalance.objects.all(), user))


def group_by_query(user):
    """The report's figures from the devices: what the report would cost without StockBalance."""
    from django.db.models import Count, F, Q, Value

    from crmcom.core.tenancy import scope_queryset
    from inventory.models import Device, DeviceState
    from inventory.models.devices import IN_WAREHOUSE_STATES

    devices = scope_queryset(Device.objects.all(), user).filter(balance_warehouse__isnull=False)
    return (
        devices.values("product", sku=F("product__sku"), product_name=F("product__name"))
        .annotate(
            in_hand=Count("pk", filter=Q(state__in=IN_WAREHOUSE_STATES)),
            reserved=Value(0),
            blocked=Count("pk", filter=Q(state=DeviceState.BLOCKED)),
            dispatched=Count("pk", filter=Q(state=DeviceState.DISPATCHED)),
            rented=Count("pk", filter=Q(state=DeviceState.RENTED)),
        )
        .annotate(
            available=F("in_hand") - F("reserved") - F("blocked"),
            ownership=F("in_hand") + F("dispatched") + F("rented"),
        )
        .order_by("product_name", "sku", "product")
    )


def sql_only(queryset):
    """The query's own cost: the compiled SQL run and its rows fetched, without the ORM's row conversion."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


def median_ms(call, runs: int) -> float:
    call()  # warm the caches and the connection
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(setup: dict) -> dict[str, float]:
    from rest_framework.test import APIClient

    user = setup["owner"]
    report, group_by = list(report_query(user)), list(group_by_query(user))
    if report != group_by or len(report) != PRODUCTS:
        raise SystemExit("the report and the GROUP BY disagree: the balances are not consistent with the devices")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {setup['token']}")

    def api_page():
        response = client.get("/api/v1/reports/stock-balances/")
        assert response.status_code == 200 and len(response.json()["results"]) == 50

    return {
        "report": median_ms(lambda: list(report_query(user)), 30),
        "group_by": median_ms(lambda: list(group_by_query(user)), 5),
        "api": median_ms(api_page, 30),
        "report_sql": median_ms(sql_only(report_query(user)), 30),
        "group_by_sql": median_ms(sql_only(group_by_query(user)), 5),
    }


if __name__ == "__main__":
    sys.exit(main())
