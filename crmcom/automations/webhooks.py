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
from crmcom.automations.services import claim_attempt, record_attempt
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


def attempt_delivery(*, delivery_id: int, attempts: int, retries: int) -> float | None:
    """Make attempt number `attempts + 1` of the delivery (after `retries` retries of this message) and log
    it. Returns the seconds to wait before trying again, or None when there is nothing more to do: delivered,
    failed for good, or not this message's to send.

    A delivery no longer pending (delivered, failed, gone), or whose attempt count moved on (a copy of this
    message, or a later one, took it), is left alone: a message delivered twice, a stale retry or one sent
    again by the beat job sends nothing more.
    """
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, attempts=attempts)
        .first()
    )
    if delivery is None:
        return None
    refusal, addresses = None, ()
    if not delivery.endpoint.is_active:
        refusal = "Not sent: the endpoint is inactive."
    else:
        try:
            addresses = checked_addresses(delivery.endpoint.url)
        except AddressRefused as refused:
            refusal = str(refused)
    if refusal:
        record_attempt(
            delivery_id=delivery_id,
            attempts=attempts,
            status=DeliveryStatus.FAILED,
            response_status=None,
            error=refusal,
        )
        return None
    if not claim_attempt(delivery_id=delivery_id, attempts=attempts):
        return None
    body = envelope(delivery)
    headers = signed_headers(delivery, body, timestamp=int(time.time()))
    outcome = post(delivery.endpoint.url, body, headers, addresses=addresses)
    delay = None
    if outcome.ok:
        status = DeliveryStatus.DELIVERED
    elif outcome.retryable and retries < conf.max_retries():
        status = DeliveryStatus.PENDING
        delay = retry_delay(retries=retries, retry_after=outcome.retry_after)
    else:
        status = DeliveryStatus.FAILED
    recorded = record_attempt(
        delivery_id=delivery_id,
        attempts=attempts + 1,
        status=status,
        response_status=outcome.response_status,
        error=outcome.error,
        retry_in=delay,
    )
    return delay if recorded else None
