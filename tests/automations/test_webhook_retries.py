"""Which answers are retried, and how long the next attempt waits (Retry-After or the back-off)."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from crmcom.automations.conf import backoff
from crmcom.automations.retries import retry_after_seconds, retry_delay
from crmcom.automations.webhooks import Outcome

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def back_off(settings):
    settings.WEBHOOK_RETRY_BACKOFF = 30
    settings.WEBHOOK_RETRY_BACKOFF_MAX = 3600


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120),
        (" 0 ", 0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90),
        ("Sun, 01 Mar 2026 12:05:00 -0000", 300),  # an HTTP date without a zone claim is UTC
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0),  # already past: at once
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "²", "Sun, 99 Foo 2026"])
def test_a_missing_or_invalid_retry_after_is_none(value):
    assert retry_after_seconds(value, now=NOW) is None


def test_the_delay_is_what_the_receiver_asked_for_capped_to_the_longest_back_off():
    assert retry_delay(retries=0, retry_after=45) == 45
    assert retry_delay(retries=0, retry_after=0) == 0
    assert retry_delay(retries=0, retry_after=86_400) == 3600


def test_without_retry_after_the_delay_is_the_back_off():
    assert (
        [retry_delay(retries=n, retry_after=None) for n in range(3)] == [backoff(n) for n in range(3)] == [30, 60, 120]
    )


@pytest.mark.parametrize("status", [None, 408, 429, 500, 502, 503, 504])
def test_connection_errors_server_errors_timeouts_and_too_many_requests_are_retried(status):
    assert Outcome(status).retryable


@pytest.mark.parametrize("status", [301, 302, 400, 401, 403, 404, 409, 410, 422])
def test_other_answers_are_final(status):
    assert not Outcome(status).retryable
