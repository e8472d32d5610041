"""Reads of wallets: balances with their journal sums."""

from decimal import Decimal

from django.db.models import Q, Sum

from wallets.models import BalancePart, Wallet, WalletBalance, WalletJournalEntry


def wallets_with_balances():
    return Wallet.objects.select_related("contact").prefetch_related("balances")


def journal_sums(*, wallet: Wallet) -> dict[str, dict[str, Decimal]]:
    """{currency: {"open": sum, "commerce": sum}} of the wallet's journal."""
    rows = (
        WalletJournalEntry.objects.filter(wallet=wallet)
        .values("currency")
        .annotate(
            open=Sum("amount", filter=Q(part=BalancePart.OPEN), default=Decimal(0)),
            commerce=Sum("amount", filter=Q(part=BalancePart.COMMERCE), default=Decimal(0)),
        )
    )
    return {row["currency"]: {"open": row["open"], "commerce": row["commerce"]} for row in rows}


def wallet_drift(*, wallet: Wallet) -> list[tuple[str, str, Decimal, Decimal]]:
    """(currency, part, balance, journal sum) wherever a balance differs from its journal; [] when sound."""
    sums = journal_sums(wallet=wallet)
    balances = {b.currency: b for b in WalletBalance.objects.filter(wallet=wallet)}
    drift = []
    for currency in sorted(set(sums) | set(balances)):
        for part in BalancePart.values:
            held = getattr(balances[currency], part) if currency in balances else Decimal(0)
            summed = sums.get(currency, {}).get(part, Decimal(0))
            if held != summed:
                drift.append((currency, part, held, summed))
    return drift
