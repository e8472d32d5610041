"""Benchmark: 32 concurrent clients place orders for the last 100 units of a product, against pgbench.

Run by `make bench` (or `.venv/bin/python bench/bench_order_placement.py [CLIENTS] [ATTEMPTS_PER_CLIENT]`).
Creates its own throwaway database (crmcom_bench_orders, or $BENCH_ORDERS_DATABASE) on the PostgreSQL server
of $BENCH_DATABASE_SERVER (postgres://postgres@127.0.0.1:5432), migrates it, and drops it at the end.

The real path, per attempt: place the order from the client's own estimate (orders.services.placement.
place_orders, one transaction: the estimate's row lock, the order number, items, the stage log, the upfront
invoice), then move it into the default queue's in-progress stage (orders.services.stages.move_stage, its
own transaction), which reserves its unit. 160 attempts race for 100 units: the run fails unless exactly
100 units are reserved, by exactly 100 orders in progress, the 60 others stay new with nothing reserved
(their move refused with InsufficientStock), and no balance is oversold or drifts.

Against it, in the same run and on the same server: pgbench with 32 clients running a one-statement
transaction `UPDATE … WHERE aid = :aid` (a random row of pgbench_accounts at scale 1), and the same on one
hot row (every client updating the same row, as every placement here updates one stock balance row). When
the pgbench binary is missing, the same loops run in Python (psycopg, 32 connections) and say so.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

from _common import migrate, run_in_throwaway_database, use_database

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 32
ATTEMPTS = int(sys.argv[2]) if len(sys.argv) > 2 else 5  # per client: 160 attempts for 100 units
UNITS = 100
PGBENCH_SECONDS = 5
DATABASE = os.environ.get("BENCH_ORDERS_DATABASE", "crmcom_bench_orders")

DATABASE_URL = use_database(DATABASE)


def main() -> int:
    return run_in_throwaway_database("bench_order_placement", DATABASE, run)


def run() -> int:
    migrated = migrate()
    print(
        f"order placement benchmark: {CLIENTS} clients × {ATTEMPTS} attempts for the last {UNITS} units "
        f"(migrated in {migrated:.0f} s)"
    )
    business, product, estimates = prepare()
    seconds, outcomes = race(business, estimates)
    ok = check(business, product, outcomes)
    placed = outcomes.get("placed", 0)
    attempts = sum(outcomes.values())
    order_rate = placed / seconds
    print(f"  outcomes: {dict(outcomes)}")
    print(f"  real path: {placed} orders placed and reserved in {seconds:.2f} s: {order_rate:,.1f} orders/s")
    print(f"             ({attempts / seconds:,.1f} attempts/s, refused ones included)")
    random_rate, hot_rate, how = pgbench_rates()
    print(f"  {how}, {CLIENTS} clients, single-row UPDATE transactions:")
    print(f"    random row of 100,000: {random_rate:>10,.0f} tps  (orders/s is {order_rate / random_rate:.2%} of it)")
    print(f"    one hot row:           {hot_rate:>10,.0f} tps  (orders/s is {order_rate / hot_rate:.2%} of it)")
    print(f"  verdict: {'OK' if ok else 'FAILED'}: exactly {UNITS} units reserved, none oversold")
    return 0 if ok else 1


def prepare():
    """A business, 100 units of one product in stock, and one estimate of 1 unit per attempt (untimed)."""
    from django.db import transaction

    from inventory.selectors_warehouses import business_warehouse
    from inventory.services.posting import post_transaction
    from inventory.services.transactions import LineInput, create_transaction
    from orders.services.estimates import ItemInput, create_estimate
    from tests.factories import ProductFactory, make_business, make_contact

    business, _ = make_business("Bench Orders")
    warehouse = business_warehouse(business_id=business.pk)
    product = ProductFactory(business=business, sku="LAST-UNITS")
    post_transaction(
        transaction=create_transaction(
            business=business, kind="stock_in", warehouse=warehouse, lines=[LineInput(product, UNITS)]
        )
    )
    started = time.perf_counter()
    estimates = []
    with transaction.atomic():
        for client in range(CLIENTS):
            contact = make_contact(business, last_name=f"Client {client}")
            estimates.append(
                [
                    create_estimate(
                        business=business,
                        contact=contact,
                        items=[ItemInput(product=product, quantity=1)],
                        supply_method="delivery",
                        delivery_method="courier",
                        address={"line1": "1 Main St", "city": "Nicosia", "postcode": "1010"},
                    ).estimation_id
                    for _ in range(ATTEMPTS)
                ]
            )
    print(f"  {CLIENTS * ATTEMPTS} estimates made in {time.perf_counter() - started:.1f} s (not timed)")
    return business, product, estimates


def race(business, estimates) -> tuple[float, Counter]:
    """Every client places its estimates one after another; all clients start together."""
    from django.db import connections

    from orders.models import Stage
    from orders.services.placement import place_orders
    from orders.services.stages import move_stage

    preparing = Stage.objects.filter(queue__business=business, queue__is_default=True, in_progress=True)
    preparing = preparing.order_by("position").first()
    barrier = threading.Barrier(CLIENTS + 1)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def client(index: int) -> None:
        try:
            barrier.wait()
            for estimation_id in estimates[index]:
                try:
                    [order] = place_orders(business=business, estimation_id=estimation_id, payment_method="cash")
                    move_stage(order=order, stage=preparing)
                    result = "placed"
                except Exception as error:  # noqa: BLE001 - the outcome is what we count
                    result = type(error).__name__
                with lock:
                    outcomes[result] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        outcomes["hung"] += 1
    return seconds, outcomes


def check(business, product, outcomes: Counter) -> bool:
    from django.db.models import Sum

    from inventory.models import ReservationState, StockBalance, StockReservation
    from inventory.selectors import stock_drift
    from orders.models import Order, OrderStatus

    balance = StockBalance.objects.get(business=business, product=product)
    held = StockReservation.objects.filter(business=business, product=product, state=ReservationState.ACTIVE)
    held = held.aggregate(total=Sum("quantity"))["total"] or 0
    reserved_orders = Order.objects.filter(business=business, reserved_at__isnull=False, status=OrderStatus.IN_PROGRESS)
    checks = {
        f"{UNITS} placed": outcomes.get("placed", 0) == UNITS,
        "the rest refused for stock": set(outcomes) <= {"placed", "InsufficientStock"},
        f"balance reserved = {UNITS}": balance.reserved == UNITS,
        f"active reservations hold {UNITS}": held == UNITS,
        "nothing oversold (available = 0, in hand = 100)": balance.available == 0 and balance.in_hand == UNITS,
        f"{UNITS} orders reserved and in progress": reserved_orders.count() == UNITS,
        "the refused orders stay new, unreserved": Order.objects.filter(
            business=business, status=OrderStatus.NEW, reserved_at__isnull=True
        ).count()
        == sum(outcomes.values()) - UNITS,
        "no drift between balances and the ledger": not stock_drift(),
    }
    for name, passed in checks.items():
        print(f"  {'ok  ' if passed else 'FAIL'} {name}")
    return all(checks.values())


# ---------------------------------------------------------------- pgbench, same server, same run


def pgbench_rates() -> tuple[float, float, str]:
    url = DATABASE_URL
    binary = shutil.which("pgbench")
    if binary:
        subprocess.run([binary, "-i", "-q", "-s", "1", url], check=True, capture_output=True)
        random_rate = pgbench_script(binary, url, "\\set aid random(1, 100000)\n" + update_sql(":aid"))
        hot_rate = pgbench_script(binary, url, update_sql("1"))
        return random_rate, hot_rate, f"pgbench ({binary}, {PGBENCH_SECONDS} s each)"
    return emulated(url, random_rows=True), emulated(url, random_rows=False), "pgbench MISSING: emulated with psycopg"


def update_sql(aid: str) -> str:
    return f"UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = {aid};\n"


def pgbench_script(binary: str, url: str, script: str) -> float:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(script)
        file.flush()
        result = subprocess.run(
            [binary, "-n", "-c", str(CLIENTS), "-j", "4", "-T", str(PGBENCH_SECONDS), "-f", file.name, url],
            check=True,
            capture_output=True,
            text=True,
        )
    for line in result.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError(f"no tps in pgbench's output:\n{result.stdout}")


def emulated(url: str, *, random_rows: bool) -> float:
    """pgbench's loop in Python: each of 32 connections commits one single-row UPDATE after another."""
    import random

    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS pgbench_accounts (aid int PRIMARY KEY, abalance int NOT NULL)")
        conn.execute(
            "INSERT INTO pgbench_accounts SELECT g, 0 FROM generate_series(1, 100000) g ON CONFLICT DO NOTHING"
        )
    done = Counter()
    stop = time.perf_counter() + PGBENCH_SECONDS

    def loop(index: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            count = 0
            while time.perf_counter() < stop:
                aid = random.randint(1, 100000) if random_rows else 1
                conn.execute("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = %s", [aid])
                count += 1
            done[index] = count

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done.values()) / PGBENCH_SECONDS


if __name__ == "__main__":
    sys.exit(main())
