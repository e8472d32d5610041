"""Webhook signatures: what the back-office sends and how a receiver checks it.

Every webhook POST carries:

    X-CRM-Event:      the event, e.g. "order.stage_update"
    X-CRM-Delivery:   the delivery id (the same on every retry: use it to ignore duplicates)
    X-CRM-Timestamp:  Unix seconds when this attempt was signed
    X-CRM-Signature:  "sha256=" + hex(HMAC-SHA256(endpoint secret, f"{timestamp}.{raw body}"))

A receiver recomputes the HMAC over the raw request body exactly as received (before parsing the JSON),
compares in constant time, and refuses old timestamps so a captured request cannot be replayed:

    from crmcom.automations.signing import verify

    ok = verify(secret, request.headers["X-CRM-Timestamp"], request.body, request.headers["X-CRM-Signature"])

Without this module (any language): hmac_sha256(secret, timestamp + "." + body) as lowercase hex,
prefixed with "sha256=", compared with a constant-time comparison.
"""

import hashlib
import hmac
import time

PREFIX = "sha256="
DEFAULT_TOLERANCE = 300  # seconds


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """The X-CRM-Signature value of `body` sent at `timestamp` (Unix seconds) to an endpoint with `secret`."""
    message = _bytes(str(timestamp)) + b"." + _bytes(body)
    return PREFIX + hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: int | str,
    body: str | bytes,
    signature: str,
    *,
    tolerance: int | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """Whether `signature` is this secret's signature of `body` at `timestamp`, signed at most `tolerance`
    seconds from `now` (None: any age). Constant-time: the comparison leaks nothing about the expected value."""
    try:
        signed_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if tolerance is not None and abs((time.time() if now is None else now) - signed_at) > tolerance:
        return False
    return hmac.compare_digest(_bytes(sign(secret, signed_at, body)), _bytes(signature or ""))
