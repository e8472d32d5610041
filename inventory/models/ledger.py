"""The stock ledger: warehouse transactions and their lines, the entries posting writes, balances, reservations."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel


class TransactionKind(models.TextChoices):
    STOCK_IN = "stock_in", "Stock in"
    STOCK_OUT = "stock_out", "Stock out"
    MOVEMENT = "movement", "Movement"
    ADJUSTMENT = "adjustment", "Adjustment"


class TransactionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"


class LinePurpose(models.TextChoices):
    """Why stock comes in or goes out; it decides which balance counters a line moves (DESIGN.md)."""

    SUPPLIER = "supplier", "From a supplier"
    RETURN = "return", "Return of a sold item"
    RENTAL_RETURN = "rental_return", "Return of a rental"
    DISPATCH_RETURN = "dispatch_return", "Return of dispatched goods"
    SALE = "sale", "Direct sale"
    DISPATCH = "dispatch", "Dispatch for an order"
    RENTAL = "rental", "Rental"
    SALE_OF_DISPATCHED = "sale_of_dispatched", "Invoice of dispatched goods"
    MOVEMENT = "movement", "Movement"
    ADJUSTMENT = "adjustment", "Adjustment"


STOCK_IN_PURPOSES = [LinePurpose.SUPPLIER, LinePurpose.RETURN, LinePurpose.RENTAL_RETURN, LinePurpose.DISPATCH_RETURN]
STOCK_OUT_PURPOSES = [LinePurpose.SALE, LinePurpose.DISPATCH, LinePurpose.RENTAL, LinePurpose.SALE_OF_DISPATCHED]


class WarehouseTransaction(FSMModelMixin, TenantModel):
    """A set of stock changes: DRAFT while its lines are edited, POSTED (immutable) once applied.

    A posted transaction is undone only by a reversing transaction (`reverses`).
    """

    kind = models.CharField(max_length=12, choices=TransactionKind.choices)
    purpose = models.CharField(max_length=20, choices=LinePurpose.choices)
    state = FSMField(max_length=10, choices=TransactionState.choices, default=TransactionState.DRAFT, protected=True)
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="transactions")
    to_warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_transactions"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warehouse_transactions",
        help_text="Who the goods come from (returns) or go to (sales, dispatches, rentals).",
    )
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="A supplier's delivery note, an order number…")
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["business", "state", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="movement") & Q(to_warehouse__isnull=False))
                | ~Q(kind="movement") & Q(to_warehouse__isnull=True),
                name="only_movements_have_a_target_warehouse",
            ),
            models.CheckConstraint(
                condition=(Q(kind="stock_in") & Q(purpose__in=STOCK_IN_PURPOSES))
                | (Q(kind="stock_out") & Q(purpose__in=STOCK_OUT_PURPOSES))
                | (Q(kind="movement") & Q(purpose="movement"))
                | (Q(kind="adjustment") & Q(purpose="adjustment")),
                name="purpose_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(posted_at__isnull=False), name="posted_transactions_have_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    @transition(field=state, source=TransactionState.DRAFT, target=TransactionState.POSTED)
    def post(self) -> None:
        """Applied to stock; inventory.services.posting does the work inside the same database transaction."""


class WarehouseTransactionLine(models.Model):
    """One product's change. Traceable products name their devices by serial (quantity = number of serials)."""

    transaction = models.ForeignKey(WarehouseTransaction, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField(help_text="Positive; an adjustment's sign says add (+) or remove (−).")
    serial_numbers = models.JSONField(default=list, blank=True)
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the goods go to (stock in) or come from (stock out, movement).",
    )
    to_location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Movements: where the goods go to.",
    )
    devices = models.ManyToManyField("inventory.Device", blank=True, related_name="transaction_lines")

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="line_quantity_not_zero")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class StockLedgerEntry(TenantModel):
    """What posting one line did to one warehouse's counters. Balances are the sums of these entries."""

    line = models.ForeignKey(WarehouseTransactionLine, on_delete=models.PROTECT, related_name="entries")
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="+")
    in_hand = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    rented = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "stock ledger entries"
        indexes = [models.Index(fields=["warehouse", "product"])]


class StockBalance(TenantModel):
    """Counters per (warehouse, product), kept by the services under row locks; reports read only these.

    available = in_hand − reserved − blocked; ownership = in_hand + dispatched + rented.
    """

    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="balances")
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="balances")
    in_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    blocked = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    rented = models.IntegerField(default=0)

    class Meta:
        ordering = ["warehouse", "product"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "product"], name="one_balance_per_warehouse_product"),
            models.CheckConstraint(
                condition=Q(in_hand__gte=0)
                & Q(reserved__gte=0)
                & Q(blocked__gte=0)
                & Q(dispatched__gte=0)
                & Q(rented__gte=0),
                name="balance_counters_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(in_hand__gte=F("reserved") + F("blocked")), name="balance_available_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.warehouse}"

    @property
    def available(self) -> int:
        return self.in_hand - self.reserved - self.blocked

    @property
    def ownership(self) -> int:
        return self.in_hand + self.dispatched + self.rented


class ReservationState(models.TextChoices):
    ACTIVE = "active", "Active"
    RELEASED = "released", "Released"
    CONSUMED = "consumed", "Consumed by a dispatch"


class StockReservation(TenantModel):
    """Quantity held for an order; `reserved` on the balance is the sum of the active ones."""

    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=ReservationState.choices, default=ReservationState.ACTIVE)
    reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["warehouse", "product", "state"])]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_positive")]
