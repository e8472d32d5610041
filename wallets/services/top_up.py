"""Top-ups: a staff credit, or a card of the wallet charged through the payment gateway."""

import uuid

from django.core.exceptions import ValidationError

from wallets.gateway import get_gateway
from wallets.models import BalancePart, PaymentMethod, Wallet, WalletJournalEntry
from wallets.services.balances import clean_money, credit_wallet


def top_up_wallet(
    *,
    wallet: Wallet,
    amount,
    currency: str,
    part: str = BalancePart.OPEN,
    payment_method: PaymentMethod | None = None,
    idempotency_key: str = "",
    user=None,
) -> WalletJournalEntry:
    """Credit the wallet; with a payment method, only once the gateway has captured the charge.

    A declined card raises CardDeclined (409) and writes nothing. The gateway cannot join our
    transaction, so if the credit fails after a capture the charge is refunded before the error goes on.
    """
    amount, currency = clean_money(amount, currency)
    if part not in BalancePart.values:
        raise ValidationError({"balance": f"Choose one of {', '.join(BalancePart.values)}."})
    if payment_method is None:
        return credit_wallet(
            wallet=wallet, amount=amount, currency=currency, part=part, reason="Staff credit", user=user
        )
    if payment_method.wallet_id != wallet.pk:
        raise ValidationError({"payment_method": "This card belongs to another wallet."})
    gateway = get_gateway()
    key = idempotency_key or f"top-up-{uuid.uuid4()}"
    charge = gateway.charge(token=payment_method.token, amount=amount, currency=currency, idempotency_key=key)
    try:
        return credit_wallet(
            wallet=wallet,
            amount=amount,
            currency=currency,
            part=part,
            reason=f"Card top-up ({payment_method.brand} •••• {payment_method.last4})",
            reference=charge.id,
            user=user,
        )
    except Exception:
        gateway.refund(charge_id=charge.id, amount=amount, idempotency_key=f"{key}-undo")
        raise
