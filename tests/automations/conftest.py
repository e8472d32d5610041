"""A real webhook receiver on 127.0.0.1 (http.server in a thread) and quick retries for the tests."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next of `answers` (then 200) and keeps what it received. An answer is a status,
    or a status and the headers to send with it: `(429, {"Retry-After": "7"})`.

    It checks the signature the way an integrator would: HMAC-SHA256 of f"{timestamp}.{raw body}" with the
    endpoint's secret, recomputed here with the standard library, compared in constant time.
    """

    url: str = ""
    secret: str = ""
    answers: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def answer(self, *answers: int | tuple[int, dict[str, str]]) -> None:
        self.answers[:] = list(answers)

    def record(self, path: str, headers, body: bytes) -> tuple[int, dict[str, str]]:
        expected = (
            "sha256="
            + hmac.new(
                self.secret.encode(), headers.get("X-CRM-Timestamp", "").encode() + b"." + body, hashlib.sha256
            ).hexdigest()
        )
        ok = hmac.compare_digest(expected, headers.get("X-CRM-Signature", ""))
        self.received.append(Received(path, headers, body, ok))
        answer = self.answers.pop(0) if self.answers else 200
        return answer if isinstance(answer, tuple) else (answer, {})


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, headers = state.record(self.path, self.headers, body)  # header names are case-insensitive
            reply = b'{"ok": true}' if status < 400 else b"receiver says no"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):  # keep pytest's output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/crm"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def quick_webhooks(settings):
    """Back-off of milliseconds and few retries (under eager Celery a retry runs at once anyway)."""
    settings.WEBHOOK_RETRY_BACKOFF = 0.01
    settings.WEBHOOK_RETRY_BACKOFF_MAX = 0.05
    settings.WEBHOOK_MAX_RETRIES = 3
    settings.WEBHOOK_TIMEOUT = 5


@pytest.fixture
def real_celery_worker():
    """An embedded Celery worker (a thread, solo pool) on the Redis broker, as in tests/core/test_celery_worker.py."""
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from crmcom import celery_app

    keys = ("task_always_eager", "broker_url", "worker_hijack_root_logger")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        task_always_eager=False, broker_url=settings.CELERY_BROKER_URL, worker_hijack_root_logger=False
    )
    celery_app.control.purge()
    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        celery_app.conf.update(saved)


@pytest.fixture
def run_as_worker(monkeypatch):
    """Run the task as a worker does, where the retry is a new message with a countdown: `run.asked` keeps the
    options of each retry asked for."""
    from celery.exceptions import Retry

    from crmcom.automations.tasks import deliver_webhook

    asked = []

    def retry(*, throw=True, **options):
        asked.append(options)
        if throw:  # a worker's task raises Retry: Celery sends a new message due after the countdown
            raise Retry()
        return Retry()

    monkeypatch.setattr(deliver_webhook, "retry", retry)

    def run(delivery_id: int, *, attempts: int, retries: int) -> None:
        deliver_webhook.push_request(retries=retries)
        try:
            with pytest.raises(Retry):
                deliver_webhook.run(delivery_id, attempts=attempts)
        finally:
            deliver_webhook.pop_request()

    run.asked = asked
    return run
