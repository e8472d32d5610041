"""Reads of the account ledger: balances recomputed from entries, statements with a running balance."""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce

from finance.models import Account, LedgerEntry

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=19, decimal_places=4))


def account_balance(account: Account) -> Decimal:
    """What the contact owes, as the sum of the account's entries (the stored balance must agree)."""
    return LedgerEntry.objects.filter(account=account).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


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
