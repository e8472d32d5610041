"""Cards of a wallet: tokenized by the gateway at once; the number and CVC are never stored."""

from django.conf import settings
from django.db import transaction

from wallets.gateway import get_gateway
from wallets.models import PaymentMethod, Wallet


def _lock_wallet(wallet: Wallet) -> None:
    """Serialises changes to one wallet's cards, so "the first is primary" holds under concurrency."""
    Wallet.objects.select_for_update(no_key=True).filter(pk=wallet.pk).exists()


def add_card(*, wallet: Wallet, number: str, exp_month: int, exp_year: int, cvc: str) -> PaymentMethod:
    """Tokenize a card and keep it; the wallet's first card becomes its primary one."""
    card = get_gateway().tokenize_card(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)
    with transaction.atomic():
        _lock_wallet(wallet)
        return PaymentMethod.objects.create(
            business_id=wallet.business_id,
            wallet=wallet,
            gateway=settings.PAYMENT_GATEWAY,
            token=card.token,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            is_primary=not wallet.payment_methods.exists(),
        )


def make_primary(*, method: PaymentMethod) -> PaymentMethod:
    with transaction.atomic():
        _lock_wallet(method.wallet)
        PaymentMethod.objects.filter(wallet_id=method.wallet_id, is_primary=True).exclude(pk=method.pk).update(
            is_primary=False
        )
        PaymentMethod.objects.filter(pk=method.pk).update(is_primary=True)
    method.refresh_from_db()
    return method


def remove_card(*, method: PaymentMethod) -> None:
    """Forget a card; if it was the primary one, the oldest remaining card becomes primary."""
    with transaction.atomic():
        _lock_wallet(method.wallet)
        method.delete()
        if method.is_primary:
            successor = PaymentMethod.objects.filter(wallet_id=method.wallet_id).order_by("pk").first()
            if successor:
                make_primary(method=successor)
