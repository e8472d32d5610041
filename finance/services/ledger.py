from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F

from finance.models import Account, LedgerEntry


def lock_account(account: Account) -> Account:
    return Account.objects.select_for_update(no_key=True).get(pk=account.pk)


def post_entry(
    *, account: Account, kind: str, number: str, amount: Decimal, currency: str, description: str = ""
) -> LedgerEntry:
    """Write one entry and move the account's balance by it; the caller holds the account's lock.

    + raises what the contact owes (invoices, refunds, payouts), − lowers it (credit notes, payments).
    """
    if currency != account.currency:
        raise ValidationError({"currency": f"The account is kept in {account.currency}, not {currency}."})
    entry = LedgerEntry.objects.create(
        business_id=account.business_id,
        account=account,
        kind=kind,
        number=number,
        amount=amount,
        currency=currency,
        description=description,
    )
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    return entry
