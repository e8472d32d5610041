"""Orders, their items, the log of stage moves and the approvals that gate them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django_fsm import GET_STATE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from crmcom.core.money import CurrencyField, MoneyField
from crmcom.core.tenancy import TenantModel
from orders.models.choices import DeliveryMethod, OrderStatus, PaymentMethodKind, SupplyMethod
from orders.models.fields import FSMRelatedField


def target_stage(order: "Order", stage) -> int:
    """The dynamic target of a stage move: the stage the caller chose, as the FSM key field's value."""
    return stage.pk


def order_is_open(order: "Order") -> bool:
    """Condition of a stage move: completed and cancelled orders stay where they are."""
    return order.is_open


def not_awaiting_approval(order: "Order") -> bool:
    """Condition of a stage move: a pending approval holds the order until it is approved or rejected."""
    return order.pk is None or not order.approvals.filter(state=ApprovalState.PENDING).exists()


def milestones_valid(order: "Order") -> bool:
    """Condition of a stage move: the order's milestones add up to no more than its total (one aggregate).

    The milestone and modification services keep this under the order's lock; the FSM refuses to move an
    order where it does not hold all the same (a row written around them).
    """
    if order.pk is None:
        return True
    planned = order.milestones.aggregate(total=Sum("amount"))["total"]
    return planned is None or planned <= order.total


class Order(FSMModelMixin, TenantModel):
    """A contact's order, fulfilled by one organisation and moved through its queue's stages.

    `status` (new → in_progress → completed, or cancelled) and `stage` are both django-fsm fields,
    protected: only the services' transitions change them. Totals are the items' sums (charges included).
    """

    number = models.CharField(max_length=30)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="orders")
    fulfilled_by = models.ForeignKey("contacts.Organisation", on_delete=models.PROTECT, related_name="orders")
    queue = models.ForeignKey("orders.Queue", on_delete=models.PROTECT, related_name="orders")
    stage = FSMRelatedField("orders.Stage", on_delete=models.PROTECT, related_name="orders", protected=True)
    status = FSMField(max_length=12, choices=OrderStatus.choices, default=OrderStatus.NEW, protected=True)
    estimate = models.ForeignKey(
        "orders.Estimate", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="orders", help_text="Where goods leave from."
    )
    supply_method = models.CharField(max_length=12, choices=SupplyMethod.choices)
    delivery_method = models.CharField(max_length=16, choices=DeliveryMethod.choices, blank=True)
    address = models.JSONField(default=dict, blank=True)
    preferred_fulfilment_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=10, choices=PaymentMethodKind.choices)
    currency = CurrencyField()
    total_before_discounts = MoneyField(default=0)
    discounts = MoneyField(default=0)
    net = MoneyField(default=0)
    tax = MoneyField(default=0)
    total = MoneyField(default=0)
    # What the estimate planned to pay this order's invoices with (orders.services.payment_plan takes it).
    planned_account_credit = MoneyField(default=0)
    planned_wallet = MoneyField(default=0)
    planned_card = MoneyField(default=0)
    reserved_at = models.DateTimeField(null=True, blank=True, help_text="When its items were first reserved.")
    ponr_reached_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-placed_at", "-pk"]
        indexes = [
            models.Index(fields=["business", "status"]),
            models.Index(fields=["business", "placed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="order_number_unique_per_business"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(net__gte=0) & Q(tax__gte=0) & Q(discounts__gte=0),
                name="order_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(planned_account_credit__gte=0) & Q(planned_wallet__gte=0) & Q(planned_card__gte=0),
                name="order_payment_plan_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False), name="completed_orders_dated"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="cancelled_orders_dated"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (OrderStatus.NEW, OrderStatus.IN_PROGRESS)

    @property
    def past_point_of_no_return(self) -> bool:
        return self.ponr_reached_at is not None

    # Transitions: called by orders.services only, which check, lock and log around them.
    @transition(
        field=stage,
        source="*",
        target=GET_STATE(target_stage),
        conditions=[order_is_open, not_awaiting_approval, milestones_valid],
    )
    def move_to(self, stage) -> None:
        """Move to `stage` of this order's queue (the services check the queue, approvals and the PoNR)."""

    @transition(field=status, source=OrderStatus.NEW, target=OrderStatus.IN_PROGRESS)
    def start(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.IN_PROGRESS, target=OrderStatus.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(field=status, source=[OrderStatus.NEW, OrderStatus.IN_PROGRESS], target=OrderStatus.CANCELLED)
    def cancel(self) -> None:
        pass


class OrderItem(models.Model):
    """A priced line of an order: a product, or an event-based charge (`is_charge`, an expense product).

    `delivered` counts units out to the contact net of returns; `invoiced` counts units billed.
    A bundle's item carries the bundle's price; its components are items of their own (`bundle_item`),
    `quantity_per_bundle` units for each unit of the bundle, at no charge: they are what is reserved,
    delivered and invoiced as goods. Items list each bundle followed by its components.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    is_charge = models.BooleanField(default=False)
    quantity = models.PositiveIntegerField()
    unit_price = MoneyField()
    discount = MoneyField(default=0)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    net = MoneyField()
    tax = MoneyField()
    total = MoneyField()
    delivered = models.PositiveIntegerField(default=0)
    invoiced = models.PositiveIntegerField(default=0)
    reservation = models.OneToOneField(
        "inventory.StockReservation", on_delete=models.PROTECT, null=True, blank=True, related_name="order_item"
    )
    bundle_item = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="components",
        help_text="The bundle's item this component belongs to (components follow their bundle's quantity).",
    )
    quantity_per_bundle = models.PositiveIntegerField(
        null=True, blank=True, help_text="Components only: units in each unit of the bundle."
    )

    class Meta:
        ordering = ["order", Coalesce("bundle_item", "id"), "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity_positive"),
            models.CheckConstraint(
                condition=Q(delivered__lte=F("quantity")), name="order_item_delivered_within_quantity"
            ),
            models.CheckConstraint(
                condition=Q(invoiced__lte=F("quantity")), name="order_item_invoiced_within_quantity"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(discount__gte=0) & Q(total__gte=0),
                name="order_item_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=(Q(bundle_item__isnull=True) & Q(quantity_per_bundle__isnull=True))
                | (
                    Q(bundle_item__isnull=False)
                    & ~Q(bundle_item=F("id"))
                    & Q(quantity_per_bundle__gte=1)
                    & Q(is_charge=False)
                    & Q(unit_price=0)
                    & Q(discount=0)
                    & Q(net=0)
                    & Q(tax=0)
                    & Q(total=0)
                ),
                name="order_item_components_free_and_counted_per_bundle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class StageMove(models.Model):
    """The log of every stage move (and of the placement into the first stage)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="stage_moves")
    from_stage = models.ForeignKey("orders.Stage", on_delete=models.PROTECT, null=True, related_name="+")
    to_stage = models.ForeignKey("orders.Stage", on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(auto_now_add=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "moved_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_stage or '—'} → {self.to_stage}"


class ApprovalState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class OrderApproval(TenantModel):
    """A request to move an order into a stage that needs approval; the move happens when it is approved.

    Owned by the order's business (a row of its own, so lists and admin screens scope it like any other).
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="approvals")
    stage = models.ForeignKey("orders.Stage", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_contact = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(state="pending"), name="one_pending_approval_per_order"
            ),
            models.CheckConstraint(condition=Q(state__in=ApprovalState.values), name="approval_state_valid"),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False), name="decided_approvals_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"Approval of {self.order} → {self.stage.name}: {self.state}"
