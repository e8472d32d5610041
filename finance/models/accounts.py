from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.money import CurrencyField, MoneyField
from crmcom.core.tenancy import TenantModel
from finance.models.catalogue import NON_NEGATIVE


class Account(TenantModel):
    """A contact's ledger. `balance` is what the contact owes: the sum of its entries, kept by the services."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="account")
    currency = CurrencyField()
    balance = MoneyField(default=Decimal("0"))
    credit_limit = MoneyField(null=True, blank=True, validators=NON_NEGATIVE)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="account_credit_limit_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Account of {self.contact}"


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"
    PAYOUT = "payout", "Payout"
    ORDER = "order", "Order"


class LedgerEntry(TenantModel):
    """One posted document's effect on an account: + raises what the contact owes, − lowers it.

    Invoices and refunds raise it; credit notes and payments lower it; a payout returns credit (raises it).
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    number = models.CharField(max_length=30, help_text="The document's number.")
    amount = MoneyField()
    currency = CurrencyField()
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["account", "created_at", "pk"]
        indexes = [models.Index(fields=["account", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="ledger_entry_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}: {self.amount} {self.currency}"


class DocumentSequence(TenantModel):
    """The next number of a business's documents of one kind; its row lock makes numbering gapless."""

    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    prefix = models.CharField(max_length=10)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["business", "kind"], name="one_sequence_per_document_kind")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.next_number:06d}"
