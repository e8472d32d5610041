"""Settings of webhook delivery, each with a default (override any of them in the Django settings).

- WEBHOOK_MAX_RETRIES: retries after the first attempt (connection errors, 5xx, 408 and 429 answers), default 8.
- WEBHOOK_RETRY_BACKOFF: seconds before the first retry; each next one waits twice as long, default 30.
- WEBHOOK_RETRY_BACKOFF_MAX: the longest wait between two attempts, in seconds, default 3600 (also caps the
  wait a receiver asks for with Retry-After).
- WEBHOOK_TIMEOUT: seconds to connect and to wait for each read of the answer, default 10.
- WEBHOOK_ALLOW_PRIVATE_ADDRESSES: send to loopback and private networks too (tests, an intranet), default False.
- WEBHOOK_RESEND_AFTER: minutes a pending delivery may be overdue (its attempt due, and nothing came of it: the
  message was lost, e.g. the broker was down at the commit or Redis restarted, or the worker died) before the
  beat job hands it to Celery again, default 10.
- APPROVAL_LINK_MAX_AGE: seconds a contact's approval link stays valid, default 3 days.
- PUBLIC_BASE_URL: the scheme and host that links in emails start with, default http://127.0.0.1:8000.
"""

from django.conf import settings


def max_retries() -> int:
    return int(getattr(settings, "WEBHOOK_MAX_RETRIES", 8))


def timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT", 10))


def backoff(retries: int) -> float:
    """Seconds to wait before retry number `retries + 1`: exponential, capped."""
    base = float(getattr(settings, "WEBHOOK_RETRY_BACKOFF", 30))
    return min(base * 2**retries, backoff_max())


def backoff_max() -> float:
    """The longest wait between two attempts, a receiver's Retry-After included."""
    return float(getattr(settings, "WEBHOOK_RETRY_BACKOFF_MAX", 3600))


def allow_private_addresses() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False))


def resend_after_minutes() -> float:
    return float(getattr(settings, "WEBHOOK_RESEND_AFTER", 10))


def approval_link_max_age() -> int:
    return int(getattr(settings, "APPROVAL_LINK_MAX_AGE", 3 * 24 * 3600))


def public_base_url() -> str:
    return str(getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
