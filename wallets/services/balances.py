"""Credits and debits of wallet balances: the only writes of WalletBalance and WalletJournalEntry.

Each movement locks the (wallet, currency) balance row (SELECT … FOR NO KEY UPDATE: it does not block
inserts that reference the row), changes it and writes the journal entry in one transaction, so the
balance always equals the sum of its journal and never goes below zero.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices

from crmcom.core.money import round_money, validate_currency
from crmcom.core.services import recorded_user
from wallets.exceptions import InsufficientFunds
from wallets.models import BalancePart, JournalKind, Wallet, WalletBalance, WalletJournalEntry


class Funding(TextChoices):
    """Which part of a balance pays a debit.

    The commerce part carries spending conditions (it is fed by rewards); the caller, which knows what is
    bought, decides whether they are met. The default is therefore `open`: only unconditional money.
    """

    OPEN = "open", "Open balance only"
    COMMERCE = "commerce", "Commerce balance only"
    COMMERCE_FIRST = "commerce_first", "Commerce balance first, then open"
    OPEN_FIRST = "open_first", "Open balance first, then commerce"


FUNDING_ORDER = {
    Funding.OPEN: [BalancePart.OPEN],
    Funding.COMMERCE: [BalancePart.COMMERCE],
    Funding.COMMERCE_FIRST: [BalancePart.COMMERCE, BalancePart.OPEN],
    Funding.OPEN_FIRST: [BalancePart.OPEN, BalancePart.COMMERCE],
}


def clean_money(amount, currency: str) -> tuple[Decimal, str]:
    """A positive amount rounded to the currency's minor unit, and an ISO 4217 code (or a 400)."""
    currency = (currency or "").strip().upper()
    try:
        validate_currency(currency)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages}) from None
    try:
        amount = round_money(Decimal(str(amount)), currency)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"amount": "A decimal amount is required."}) from None
    if amount <= 0:
        raise ValidationError({"amount": "Must be positive (at least the currency's smallest unit)."})
    return amount, currency


def lock_balance(*, wallet: Wallet, currency: str, create: bool) -> WalletBalance | None:
    """The (wallet, currency) balance row, locked until the transaction ends; made first if `create`."""
    if create:
        WalletBalance.objects.bulk_create(
            [WalletBalance(business_id=wallet.business_id, wallet=wallet, currency=currency)], ignore_conflicts=True
        )
    return WalletBalance.objects.select_for_update(no_key=True).filter(wallet=wallet, currency=currency).first()


def credit_wallet(
    *,
    wallet: Wallet,
    amount,
    currency: str,
    part: str = BalancePart.OPEN,
    reason: str,
    reference: str = "",
    user=None,
) -> WalletJournalEntry:
    """Add money to one part of the wallet's balance in `currency` (a top-up, a reward, a refund)."""
    amount, currency = clean_money(amount, currency)
    if part not in BalancePart.values:
        raise ValidationError({"balance": f"Choose one of {', '.join(BalancePart.values)}."})
    with transaction.atomic():
        balance = lock_balance(wallet=wallet, currency=currency, create=True)
        setattr(balance, part, getattr(balance, part) + amount)
        balance.save(update_fields=[part])
        return _journal(balance, part, amount, JournalKind.CREDIT, reason, reference, user)


def debit_wallet(
    *,
    wallet: Wallet,
    amount,
    currency: str,
    funding: str = Funding.OPEN,
    reason: str,
    reference: str = "",
    user=None,
) -> list[WalletJournalEntry]:
    """Spend from the wallet: all or nothing, never below zero (InsufficientFunds, a 409).

    `funding` picks the parts that pay and their order (see Funding); a debit split over both parts
    writes one journal entry per part.
    """
    amount, currency = clean_money(amount, currency)
    if funding not in Funding.values:
        raise ValidationError({"funding": f"Choose one of {', '.join(Funding.values)}."})
    parts = FUNDING_ORDER[Funding(funding)]
    with transaction.atomic():
        balance = lock_balance(wallet=wallet, currency=currency, create=False)
        available = sum((getattr(balance, part) for part in parts), Decimal(0)) if balance else Decimal(0)
        if available < amount:
            raise InsufficientFunds(currency=currency, wanted=amount, available=round_money(available, currency))
        entries, left = [], amount
        for part in parts:
            taken = min(left, getattr(balance, part))
            if taken:
                setattr(balance, part, getattr(balance, part) - taken)
                entries.append(_journal(balance, part, -taken, JournalKind.DEBIT, reason, reference, user))
                left -= taken
        balance.save(update_fields=parts)
        return entries


def _journal(balance, part, amount, kind, reason, reference, user) -> WalletJournalEntry:
    return WalletJournalEntry.objects.create(
        business_id=balance.business_id,
        wallet_id=balance.wallet_id,
        currency=balance.currency,
        part=part,
        amount=amount,
        kind=kind,
        reason=reason,
        reference=reference,
        created_by=recorded_user(user),
    )
