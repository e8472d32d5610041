"""Random sequences of every stock operation; after each sequence the balances reconcile with the ledger.

Each example runs in its own rolled-back transaction (hypothesis.extra.django.TestCase). Besides
reconcile's own check (balances vs ledger entries, reservations and devices), a small Python model of
the expected counters is kept from the operations that succeeded, so the ledger and the balances
cannot both be wrong in the same way unnoticed.
"""

from collections import Counter
from contextlib import suppress

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from crmcom.core.exceptions import StateConflict
from inventory.models import Device, DeviceState, StockBalance, Warehouse
from inventory.selectors import stock_drift
from inventory.services.devices import block_device, unblock_device
from inventory.services.posting import post_transaction, reverse_transaction
from inventory.services.reservations import release_reservation, reserve_stock
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory, make_business, make_contact

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "stock_in",
                "sale",
                "dispatch",
                "rental",
                "return",
                "movement",
                "adjustment",
                "block",
                "unblock",
                "reserve",
                "release",
                "reverse",
            ]
        ),
        st.integers(min_value=0, max_value=1),  # product: 0 non-traceable, 1 traceable
        st.integers(min_value=0, max_value=1),  # warehouse
        st.integers(min_value=-3, max_value=4),  # quantity (adjustments use the sign)
    ),
    min_size=1,
    max_size=6,
)

SHARD = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class StockLedgerProperties(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.business, _ = make_business("Property Telecom")
        cls.warehouses = [
            Warehouse.objects.get(business=cls.business, is_default=True),
            Warehouse.objects.create(business=cls.business, name="Van depot"),
        ]
        cls.products = [
            ProductFactory(business=cls.business, sku="P-CABLE"),
            ProductFactory(business=cls.business, sku="P-BOX", traceable=True),
        ]
        cls.contact = make_contact(cls.business)

    # 2,000 sequences in four tests of 500, so that the xdist workers share them (one test of 2,000 kept one
    # worker busy for over two minutes while the other had finished).
    @SHARD
    @given(OPERATIONS)
    def test_sequences_reconcile_shard_1(self, operations):
        self.check_sequence(operations)

    @SHARD
    @given(OPERATIONS)
    def test_sequences_reconcile_shard_2(self, operations):
        self.check_sequence(operations)

    @SHARD
    @given(OPERATIONS)
    def test_sequences_reconcile_shard_3(self, operations):
        self.check_sequence(operations)

    @SHARD
    @given(OPERATIONS)
    def test_sequences_reconcile_shard_4(self, operations):
        self.check_sequence(operations)

    def check_sequence(self, operations):
        self.serial_counter = 0
        self.posted, self.reservations = [], []
        self.model = Counter()  # (warehouse_id, counter) → expected value for the non-traceable product
        for operation in operations:
            with suppress(StateConflict, ValidationError):  # refused: it must have changed nothing (checked below)
                self.apply(*operation)
        assert stock_drift(business_id=self.business.pk) == []
        self.assert_model()

    def apply(self, name, product_index, warehouse_index, quantity):
        product, warehouse = self.products[product_index], self.warehouses[warehouse_index]
        other = self.warehouses[1 - warehouse_index]
        units = abs(quantity) or 1
        if name == "stock_in":
            self.post("stock_in", warehouse, self.line(product, units, warehouse, fresh=True))
        elif name in ("sale", "dispatch", "rental"):
            self.post("stock_out", warehouse, self.line(product, units, warehouse), purpose=name, contact=self.contact)
        elif name == "return":
            self.return_a_device(product, warehouse)
        elif name == "movement":
            self.post("movement", warehouse, self.line(product, units, warehouse), to_warehouse=other)
        elif name == "adjustment" and quantity and not product.traceable:
            self.post("adjustment", warehouse, [LineInput(product=product, quantity=quantity)], reason="count")
        elif name in ("block", "unblock"):
            states = [DeviceState.NEW, DeviceState.USED] if name == "block" else [DeviceState.BLOCKED]
            device = Device.objects.filter(state__in=states, warehouse=warehouse).first()
            if device is not None:
                (block_device if name == "block" else unblock_device)(device=device)
        elif name == "reserve":
            reservation = reserve_stock(business=self.business, warehouse=warehouse, product=product, quantity=units)
            self.reservations.append(reservation)
            self.count(reservation.warehouse_id, reservation.product_id, reserved=units)
        elif name == "release" and self.reservations:
            reservation = self.reservations.pop(quantity % len(self.reservations))
            release_reservation(reservation=reservation)
            self.count(reservation.warehouse_id, reservation.product_id, reserved=-reservation.quantity)
        elif name == "reverse" and self.posted:
            self.count_posting(reverse_transaction(transaction=self.posted.pop(quantity % len(self.posted))))

    def return_a_device(self, product, warehouse):
        device = Device.objects.filter(product=product, state__in=["sold", "rented", "dispatched"]).first()
        if device is None:
            return
        purpose = {"sold": "return", "rented": "rental_return", "dispatched": "dispatch_return"}[device.state]
        line = LineInput(product=product, quantity=1, serial_numbers=[device.serial_number])
        self.post("stock_in", warehouse, [line], purpose=purpose, contact=self.contact)

    def line(self, product, units, warehouse, fresh=False) -> list[LineInput]:
        if not product.traceable:
            return [LineInput(product=product, quantity=units)]
        if fresh:
            self.serial_counter += units
            serials = [f"SN-{number}" for number in range(self.serial_counter - units + 1, self.serial_counter + 1)]
        else:
            in_stock = Device.objects.filter(product=product, warehouse=warehouse, state__in=["new", "used"])
            serials = list(in_stock.values_list("serial_number", flat=True)[:units]) or ["NO-SUCH-DEVICE"]
        return [LineInput(product=product, quantity=len(serials), serial_numbers=serials)]

    def post(self, kind, warehouse, lines, **header):
        txn = create_transaction(business=self.business, kind=kind, warehouse=warehouse, lines=lines, **header)
        self.posted.append(post_transaction(transaction=txn))
        self.count_posting(txn)

    def count(self, warehouse_id, product_id, **changes):
        if product_id == self.products[0].pk:
            for counter, amount in changes.items():
                self.model[(warehouse_id, counter)] += amount

    def count_posting(self, txn):
        """The model learns a posting's effect from the operation itself, not from the ledger it checks."""
        sign = -1 if txn.reverses_id else 1
        original = txn.reverses or txn
        for line in original.lines.all():
            units = line.quantity * sign
            effects = {
                "supplier": {"in_hand": units},
                "sale": {"in_hand": -units},
                "dispatch": {"in_hand": -units, "dispatched": units},
                "rental": {"in_hand": -units, "rented": units},
                "adjustment": {"in_hand": units},
            }.get(original.purpose)
            if original.purpose == "movement":
                self.count(original.warehouse_id, line.product_id, in_hand=-units)
                self.count(original.to_warehouse_id, line.product_id, in_hand=units)
            elif effects:
                self.count(original.warehouse_id, line.product_id, **effects)

    def assert_model(self):
        cable = self.products[0]
        for warehouse in self.warehouses:
            balance = StockBalance.objects.filter(warehouse=warehouse, product=cable).first()
            for counter in ("in_hand", "reserved", "dispatched", "rented"):
                recorded = getattr(balance, counter) if balance else 0
                assert recorded == self.model[(warehouse.pk, counter)], (warehouse.name, counter, recorded)
            assert balance is None or balance.available >= 0
