"""How long to wait before the next attempt of a webhook delivery.

The exponential back-off of the settings (conf.backoff), unless the receiver said how long with a
`Retry-After` header (RFC 9110 §10.2.3: a number of seconds or an HTTP date), as it may with 429 Too Many
Requests or 503: then what it asked, but never longer than WEBHOOK_RETRY_BACKOFF_MAX.
"""

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from crmcom.automations import conf

SECONDS = re.compile(r"[0-9]+")


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Seconds a Retry-After header value asks to wait from `now` (a past date: 0); None when absent or invalid."""
    value = (value or "").strip()
    if SECONDS.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC with no claim about the local zone
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def retry_delay(*, retries: int, retry_after: float | None) -> float:
    """Seconds before retry number `retries + 1`: the receiver's Retry-After (capped), else the back-off."""
    if retry_after is None:
        return conf.backoff(retries)
    return min(retry_after, conf.backoff_max())
