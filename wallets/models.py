from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.money import CurrencyField, MoneyField
from crmcom.core.tenancy import TenantModel


class Wallet(TenantModel):
    """A contact's wallet, made with the contact: balances per currency, a journal, payment methods."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="wallet")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Wallet of {self.contact}"


class BalancePart(models.TextChoices):
    OPEN = "open", "Open (no spending conditions)"
    COMMERCE = "commerce", "Commerce (spending conditions, fed by rewards)"


class WalletBalance(TenantModel):
    """What a wallet holds in one currency. Written only by wallets.services.balances, under a row lock;
    it always equals the sum of the wallet's journal in that currency (selectors.wallet_drift)."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="balances")
    currency = CurrencyField()
    open = MoneyField(default=0)
    commerce = MoneyField(default=0)

    class Meta:
        ordering = ["wallet", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["wallet", "currency"], name="wallet_balance_unique_currency"),
            models.CheckConstraint(condition=Q(open__gte=0), name="wallet_balance_open_not_negative"),
            models.CheckConstraint(condition=Q(commerce__gte=0), name="wallet_balance_commerce_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} open {self.open} commerce {self.commerce}"


class JournalKind(models.TextChoices):
    CREDIT = "credit", "Credit"
    DEBIT = "debit", "Debit"


class WalletJournalEntry(TenantModel):
    """One signed movement of one balance part; never edited or deleted."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="journal")
    currency = CurrencyField()
    part = models.CharField(max_length=10, choices=BalancePart.choices)
    amount = MoneyField(help_text="Signed: positive for a credit, negative for a debit.")
    kind = models.CharField(max_length=10, choices=JournalKind.choices)
    reason = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True, help_text="A gateway charge, an invoice, a payment…")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "wallet journal entries"
        indexes = [models.Index(fields=["wallet", "currency"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=JournalKind.CREDIT, amount__gt=0) | Q(kind=JournalKind.DEBIT, amount__lt=0),
                name="wallet_journal_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.part})"


class PaymentMethod(TenantModel):
    """A card kept as the gateway's token: never the number or the CVC, only what a person recognises."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="payment_methods")
    gateway = models.CharField(max_length=200, help_text="The PAYMENT_GATEWAY that issued the token.")
    token = models.CharField(max_length=200)
    brand = models.CharField(max_length=30)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wallet"], condition=Q(is_primary=True), name="payment_method_one_primary_per_wallet"
            ),
            models.CheckConstraint(condition=Q(exp_month__gte=1, exp_month__lte=12), name="payment_method_exp_month"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4} ({self.exp_month:02d}/{self.exp_year})"
