"""Estimates: the priced answer to "what would this order cost", kept two hours so the order can be placed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from crmcom.core.money import CurrencyField, MoneyField
from crmcom.core.tenancy import TenantModel
from orders.models.choices import DeliveryMethod, SupplyMethod


class Estimate(TenantModel):
    """Everything needed to place the order(s), frozen: placing re-prices nothing.

    `groups` holds one entry per fulfilling organisation (a B2B marketplace estimate has several):
    `[{"fulfilled_by": id, "items": [{"product", "quantity", "unit_price", "discount", "tax_rate", "net",
    "tax", "total"}], "charges": [...], "net", "tax", "total"}]`. The totals below are the sums. A bundle's
    line adds `"components": [{"product", "description", "quantity", "quantity_per_bundle"}]` (and a
    flexible one its `"picks"`: product ids): placement makes them the bundle's component items.
    `use_wallet` and `use_account_credit` are what was asked; `wallet_funds` and `account_credit` what came of it.
    `queue` is the queue the orders go into (empty: the business's default queue when they are placed); it is
    chosen here because the estimate is where billing is planned, by that queue's invoicing model.
    """

    estimation_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="estimates")
    fulfilled_by = models.ForeignKey("contacts.Organisation", on_delete=models.PROTECT, related_name="+")
    queue = models.ForeignKey(
        "orders.Queue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The queue the orders go into; empty: the business's default queue.",
    )
    supply_method = models.CharField(max_length=12, choices=SupplyMethod.choices)
    delivery_method = models.CharField(max_length=16, choices=DeliveryMethod.choices, blank=True)
    address = models.JSONField(default=dict, blank=True)
    preferred_fulfilment_at = models.DateTimeField(null=True, blank=True)
    currency = CurrencyField()
    total_before_discounts = MoneyField()
    discounts = MoneyField()
    net = MoneyField()
    tax = MoneyField()
    charges_total = MoneyField()
    total = MoneyField()
    account_credit = MoneyField()
    wallet_funds = MoneyField()
    use_wallet = models.BooleanField(default=False, help_text="Asked to pay from the wallet's open balance first.")
    use_account_credit = models.BooleanField(default=False, help_text="Asked to use the credit on the account.")
    amount_due = MoneyField()
    groups = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(supply_method__in=SupplyMethod.values), name="estimate_supply_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(amount_due__gte=0) & Q(account_credit__gte=0) & Q(wallet_funds__gte=0),
                name="estimate_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_due=models.F("total") - models.F("account_credit") - models.F("wallet_funds")),
                name="estimate_amount_due_is_total_less_funds",
            ),
        ]

    def __str__(self) -> str:
        return str(self.estimation_id)
