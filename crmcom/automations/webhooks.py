"""One attempt of a webhook delivery: sign the body, POST it with the standard library (urllib, connected to
the addresses checked just before: transport.py), log the outcome.

The Celery task (tasks.deliver_webhook) schedules the retry `attempt_delivery` asks for.
"""

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from crmcom.automations import conf
from crmcom.automations.addresses import AddressRefused, checked_addresses
from crmcom.automations.models import DeliveryStatus, WebhookDelivery
from crmcom.automations.retries import retry_after_seconds, retry_delay
from crmcom.automations.services import record_attempt
from crmcom.automations.signing import sign
from crmcom.automations.transport import pinned_opener

USER_AGENT = "CRM.COM-Webhooks/1.0"
ERROR_BODY_CHARS = 500
RETRYABLE_4XX = (408, 429)


@dataclass(frozen=True)
class Outcome:
    response_status: int | None  # None: no HTTP answer (connection refused, timeout, reset…)
    error: str = ""
    retry_after: float | None = None  # seconds the receiver asked us to wait (its Retry-After header)

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300

    @property
    def retryable(self) -> bool:
        """Connection errors, server errors (5xx), 408 and 429 (too many requests) may pass; any other answer
        (4xx, 3xx) is final."""
        return self.response_status is None or self.response_status >= 500 or self.response_status in RETRYABLE_4XX


def envelope(delivery: WebhookDelivery) -> bytes:
    """The POSTed body: the delivery's identity around the event's payload, as compact UTF-8 JSON."""
    body = {
        "id": delivery.pk,
        "event": delivery.event,
        "business": delivery.business_id,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(delivery: WebhookDelivery, body: bytes, *, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-CRM-Event": delivery.event,
        "X-CRM-Delivery": str(delivery.pk),
        "X-CRM-Timestamp": str(timestamp),
        "X-CRM-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }


def post(url: str, body: bytes, headers: dict[str, str], *, addresses: Sequence[str]) -> Outcome:
    """POST to `url`, connecting to one of `addresses` (its host's, already checked)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with pinned_opener(addresses).open(request, timeout=conf.timeout()) as response:
            return Outcome(response.status)
    except urllib.error.HTTPError as error:  # an answer, just not a 2xx one
        detail = error.read(ERROR_BODY_CHARS).decode(errors="replace").strip()
        return Outcome(
            error.code,
            f"HTTP {error.code} {error.reason}" + (f": {detail}" if detail else ""),
            retry_after=retry_after_seconds(error.headers.get("Retry-After"), now=timezone.now()),
        )
    except urllib.error.URLError as error:
        return Outcome(None, f"Connection failed: {error.reason}")
    except (OSError, http.client.HTTPException) as error:  # timeouts, resets, malformed answers
        return Outcome(None, f"Connection failed: {error!r}")


def attempt_delivery(*, delivery_id: int, retries: int) -> float | None:
    """Try the delivery once (after `retries` retries) and log it. Returns the seconds to wait before trying
    again, or None when there is nothing more to do (delivered, failed for good, or not ours to send).

    A delivery no longer pending (delivered, failed, gone) is left alone: a retry scheduled before an admin
    retried it by hand does not send it twice.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    if not delivery.endpoint.is_active:
        record_attempt(
            delivery_id=delivery_id,
            status=DeliveryStatus.FAILED,
            response_status=None,
            error="Not sent: the endpoint is inactive.",
            attempted=False,
        )
        return None
    try:
        addresses = checked_addresses(delivery.endpoint.url)
    except AddressRefused as refusal:
        record_attempt(
            delivery_id=delivery_id,
            status=DeliveryStatus.FAILED,
            response_status=None,
            error=str(refusal),
            attempted=False,
        )
        return None
    body = envelope(delivery)
    headers = signed_headers(delivery, body, timestamp=int(time.time()))
    outcome = post(delivery.endpoint.url, body, headers, addresses=addresses)
    if outcome.ok:
        status = DeliveryStatus.DELIVERED
    elif outcome.retryable and retries < conf.max_retries():
        status = DeliveryStatus.PENDING
    else:
        status = DeliveryStatus.FAILED
    record_attempt(delivery_id=delivery_id, status=status, response_status=outcome.response_status, error=outcome.error)
    if status != DeliveryStatus.PENDING:
        return None
    return retry_delay(retries=retries, retry_after=outcome.retry_after)
