"""Reads of the account ledger: balances recomputed from entries, statements with a running balance."""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Greatest

from finance.models import Account, Invoice, InvoiceState, LedgerEntry, Payment, PaymentMethod

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=19, decimal_places=4))


def account_balance(account: Account) -> Decimal:
    """What the contact owes, as the sum of the account's entries (the stored balance must agree)."""
    return LedgerEntry.objects.filter(account=account).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


def open_dues(account: Account) -> Decimal:
    """What the account's issued invoices show due, each counted when positive (an over-settled one: 0)."""
    due = F("total") - F("credited_total") - F("paid_total")
    return Invoice.objects.filter(account=account, state=InvoiceState.ISSUED).aggregate(
        total=Coalesce(Sum(Greatest(due, ZERO)), ZERO)
    )["total"]


def allocatable_credit(account: Account) -> Decimal:
    """Credit on account that may still settle invoices (an `account_credit` payment), never below zero.

    The ledger keeps credit as a negative balance and every invoice raises the balance, so an invoice issued
    while there is credit is already netted against it there, but still shows due. What the open invoices
    show due beyond what the balance says is owed is that credit, not yet marked on any invoice: the sum of
    the issued invoices' positive dues less the balance (a balance below zero is credit no invoice took yet:
    it counts in full). An account_credit payment lowers the dues and leaves the balance alone, so it takes
    this figure down by its amount, and a credit can settle invoices once only. Read `account` locked.
    """
    return max(open_dues(account) - max(account.balance, Decimal("0")), Decimal("0"))


def free_credit(account: Account) -> Decimal:
    """All the credit on account no invoice took yet, also beyond what open invoices show due: their positive
    dues less the balance (never below zero). What may still leave as money (a refund of what a credit note
    handed back). Read `account` locked."""
    return max(open_dues(account) - account.balance, Decimal("0"))


def refundable_amount(payment: Payment, *, invoice: Invoice, account: Account) -> Decimal:
    """How much of `payment` may be refunded now (`invoice` and `account` read locked).

    What is left of it, except that once a credit note on its invoice handed part of what was paid back as
    credit on account (paid + credited − total), that part may only leave while the credit is still free: when
    other invoices took it, a refund is held to what is free, or it would give the credit back twice. An
    account_credit payment hands back nothing but the credit itself, so all that is left of it is refundable.
    """
    left = payment.amount - payment.refunded_total
    if payment.method == PaymentMethod.ACCOUNT_CREDIT:
        return left
    handed_back = max(invoice.credited_total + invoice.paid_total - invoice.total, Decimal("0"))
    free = free_credit(account)
    return left if handed_back <= free else min(left, free)


def accounts_with_entry_sums(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """`entries_total` beside every account, in one query."""
    total = (
        LedgerEntry.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return accounts.annotate(entries_total=Coalesce(Subquery(total), ZERO))


def drifting_accounts(accounts: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """Accounts whose stored balance differs from the sum of their entries: there should be none."""
    accounts = Account.objects.all() if accounts is None else accounts
    return accounts_with_entry_sums(accounts).exclude(balance=F("entries_total")).select_related("contact")


def statement(account: Account) -> QuerySet[LedgerEntry]:
    """The account's entries, oldest first, each with `running_balance` (computed by the database)."""
    return (
        LedgerEntry.objects.filter(account=account)
        .annotate(running_balance=Window(Sum("amount"), order_by=["created_at", "pk"]))
        .order_by("created_at", "pk")
    )
