"""Payment gateways: the interface (base), the built-in test gateway, and the one the setting names."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from wallets.gateway.base import (
    CardDeclined,
    CardToken,
    ChargeResult,
    GatewayError,
    PaymentGateway,
    PayoutResult,
    RefundResult,
)


@cache
def _gateway_at(path: str) -> PaymentGateway:
    return import_string(path)()


def get_gateway() -> PaymentGateway:
    """The gateway PAYMENT_GATEWAY names: one instance per process (per import path)."""
    return _gateway_at(settings.PAYMENT_GATEWAY)


__all__ = [
    "CardDeclined",
    "CardToken",
    "ChargeResult",
    "GatewayError",
    "PaymentGateway",
    "PayoutResult",
    "RefundResult",
    "get_gateway",
]
