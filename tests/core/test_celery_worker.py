"""Celery: a real worker on the Redis broker, the housekeeping task, and the beat schedule."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from contacts.models import Business, User
from contacts.tasks import send_welcome_email
from crmcom import celery_app
from crmcom.core.tasks import clear_expired_sessions

WORKER_CONF = ("task_always_eager", "broker_url", "worker_hijack_root_logger")


@pytest.fixture
def celery_worker():
    """An embedded worker (a thread of this process, solo pool) consuming from settings.CELERY_BROKER_URL."""
    from celery.contrib.testing.worker import start_worker

    saved = {key: celery_app.conf[key] for key in WORKER_CONF}
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=settings.CELERY_BROKER_URL,
        worker_hijack_root_logger=False,  # leave pytest's log capture alone
    )
    celery_app.control.purge()  # drop messages left by an interrupted run
    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        celery_app.conf.update(saved)


def wait_for(condition, timeout: float = 20.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the worker thread has its own connection: the user must be committed
def test_real_worker_sends_the_welcome_email(celery_worker):
    business = Business.objects.create(name="Acme Devices", currency="EUR")
    user = User.objects.create_user("owner", email="owner@acme.example", password="x", business=business)

    result = send_welcome_email.delay(user.pk)

    assert wait_for(lambda: len(mail.outbox) == 1), f"no mail after 20 s (task {result.id}, state {result.state})"
    message = mail.outbox[0]
    assert message.to == ["owner@acme.example"]
    assert "Acme Devices" in message.subject
    assert "owner" in message.body


@pytest.mark.django_db
def test_clear_expired_sessions_removes_only_expired_ones():
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="", expire_date=now - timedelta(minutes=1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(days=1))

    clear_expired_sessions.delay()  # eager under test settings

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def beat_entry(task: str):
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == task]
    assert len(entries) == 1, f"{task} is scheduled {len(entries)} times"
    return entries[0]["schedule"]


def test_stock_is_reconciled_once_a_day():
    schedule = beat_entry("inventory.tasks.reconcile_stock")
    assert (len(schedule.hour), len(schedule.minute), len(schedule.day_of_week)) == (1, 1, 7)


@pytest.mark.parametrize(
    "task", ["orders.tasks.delete_expired_order_estimates", "crmcom.automations.tasks.resend_unsent_webhooks"]
)
def test_housekeeping_jobs_run_at_least_hourly(task):
    schedule = beat_entry(task)
    assert len(schedule.hour) == 24 and len(schedule.minute) >= 1 and len(schedule.day_of_week) == 7


def test_beat_schedule_names_registered_tasks():
    celery_app.loader.import_default_modules()  # runs the app's autodiscover_tasks
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule, "CELERY_BEAT_SCHEDULE is empty"
    unknown = {name: entry["task"] for name, entry in schedule.items() if entry["task"] not in celery_app.tasks}
    assert not unknown, f"beat entries name tasks the app does not know: {unknown}"
    assert celery_app.conf.beat_schedule == schedule
