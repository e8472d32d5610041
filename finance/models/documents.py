"""Ledger documents: invoices, credit notes against one invoice, payments against one invoice, refunds against
one payment, payouts against none. Numbers come from DocumentSequence at issue time, gapless per business."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from crmcom.core.money import CurrencyField, MoneyField
from crmcom.core.tenancy import TenantModel

ZERO = Decimal("0")


class InvoiceState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    CANCELLED = "cancelled", "Cancelled"


class Invoice(FSMModelMixin, TenantModel):
    """Goods, services and expenses billed to a contact. Issuing numbers it, posts it and stocks out goods."""

    number = models.CharField(max_length=30, null=True, blank=True)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="invoices")
    account = models.ForeignKey("finance.Account", on_delete=models.PROTECT, related_name="invoices")
    currency = CurrencyField()
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where stockable goods leave from; the default warehouse when empty.",
    )
    state = FSMField(max_length=10, choices=InvoiceState.choices, default=InvoiceState.DRAFT, protected=True)
    net_total = MoneyField(default=ZERO)
    tax_total = MoneyField(default=ZERO)
    total = MoneyField(default=ZERO)
    credited_total = MoneyField(default=ZERO)
    paid_total = MoneyField(default=ZERO)
    stock_transaction = models.OneToOneField(
        "inventory.WarehouseTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="invoice_number_unique_per_business"),
            models.CheckConstraint(
                condition=Q(state="draft")
                | Q(state="cancelled")
                | (Q(number__isnull=False) & Q(issued_at__isnull=False)),
                name="issued_invoices_are_numbered",
            ),
            models.CheckConstraint(
                condition=Q(credited_total__gte=0) & Q(paid_total__gte=0) & Q(total__gte=0),
                name="invoice_totals_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(credited_total__lte=F("total")), name="invoice_never_credited_beyond_its_total"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft invoice #{self.pk}"

    @property
    def due(self) -> Decimal:
        return self.total - self.credited_total - self.paid_total

    @property
    def settlement(self) -> str:
        if self.state != InvoiceState.ISSUED:
            return self.state
        if self.due <= 0:
            return "paid"
        return "partially_paid" if self.paid_total > 0 else "unpaid"

    @transition(field=state, source=InvoiceState.DRAFT, target=InvoiceState.ISSUED)
    def issue(self) -> None:
        """Numbered, posted to the account, goods stocked out: finance.services.invoices.issue_invoice."""

    @transition(field=state, source=InvoiceState.DRAFT, target=InvoiceState.CANCELLED)
    def cancel(self) -> None:
        """Only drafts are cancelled; an issued invoice is undone by a credit note."""


class DocumentLine(models.Model):
    """Amounts of one line, rounded half-up to the currency's minor unit by finance.services.pricing."""

    quantity = models.PositiveIntegerField()
    net = MoneyField(default=ZERO)
    tax = MoneyField(default=ZERO)
    total = MoneyField(default=ZERO)
    serial_numbers = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True


class LineStock(models.TextChoices):
    """How issuing moves a stockable line's goods; kept on the line, so a draft issued later applies it too."""

    AUTO = "auto", "Stocked out on issue"  # a `sale`; devices already dispatched as a `sale_of_dispatched`
    NONE = "none", "None (billed before delivery)"  # the delivery stocks them out as a `sale` later
    DISPATCHED = "dispatched", "Dispatched (delivered before billing)"  # `sale_of_dispatched`


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    unit_price = MoneyField()
    discount = MoneyField(default=ZERO, help_text="An amount off the line's price before tax.")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    credited_quantity = models.PositiveIntegerField(default=0)
    stock = models.CharField(
        max_length=10,
        choices=LineStock.choices,
        default=LineStock.AUTO,
        help_text="Stockable goods: how issuing moves them. A traceable line billed before delivery names no serials.",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoice_line_quantity_positive"),
            models.CheckConstraint(condition=Q(stock__in=LineStock.values), name="invoice_line_stock_valid"),
            models.CheckConstraint(condition=Q(unit_price__gte=0) & Q(discount__gte=0), name="invoice_line_prices"),
            models.CheckConstraint(
                condition=Q(credited_quantity__lte=F("quantity")), name="invoice_line_never_credited_beyond"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class CreditNote(TenantModel):
    """Adjusts one invoice: returned goods come back into stock (lines with `restock`), the rest adjusts the
    ledger only. Worth nothing only when it takes back goods billed at nothing."""

    number = models.CharField(max_length=30)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    account = models.ForeignKey("finance.Account", on_delete=models.PROTECT, related_name="credit_notes")
    currency = CurrencyField()
    reason = models.CharField(max_length=200, blank=True)
    net_total = MoneyField(default=ZERO)
    tax_total = MoneyField(default=ZERO)
    total = MoneyField(default=ZERO)
    stock_transaction = models.OneToOneField(
        "inventory.WarehouseTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note"
    )
    issued_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="credit_note_number_unique_per_business"),
            models.CheckConstraint(condition=Q(total__gte=0), name="credit_note_total_non_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines")
    restock = models.BooleanField(
        default=True,
        help_text="The goods came back into stock (a STOCK_IN return); false: the money only (goods that never "
        "left, services, expenses).",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="credit_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.invoice_line.product}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    WALLET = "wallet", "Wallet"
    # Settles an invoice from the contact's credit on account: moves no money and posts no ledger entry (the
    # invoice already raised the balance against the credit; finance.services.payments explains why).
    ACCOUNT_CREDIT = "account_credit", "Account credit"


class MoneyMovement(TenantModel):
    """A numbered document that moves money on one account, perhaps through the payment gateway."""

    number = models.CharField(max_length=30)
    account = models.ForeignKey("finance.Account", on_delete=models.PROTECT, related_name="%(class)ss")
    amount = MoneyField()
    currency = CurrencyField()
    gateway_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["business", "number"], name="%(class)s_number_unique_per_business"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="%(class)s_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class Payment(MoneyMovement):
    """Settles (part of) one invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=14, choices=PaymentMethod.choices)
    refunded_total = MoneyField(default=ZERO)

    class Meta(MoneyMovement.Meta):
        constraints = [
            *MoneyMovement.Meta.constraints,
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0) & Q(refunded_total__lte=F("amount")),
                name="payment_never_refunded_beyond",
            ),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"),
        ]


class Refund(MoneyMovement):
    """Returns part or all of one payment."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")


class Payout(MoneyMovement):
    """Money returned to the contact's funding source, against no document."""
