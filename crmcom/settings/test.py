"""Test settings: PostgreSQL and Redis when reachable, SQLite and eager tasks otherwise.

REQUIRE_SERVICES=1 (set by .ci/run) turns a missing service into an error instead of a fallback.
"""

import os
import socket
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from crmcom.settings.base import *  # noqa: F403
from crmcom.settings.base import BASE_DIR, env_bool

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crmcom"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/15"
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", False)


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
broker_url = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
POSTGRES_AVAILABLE = database_url.startswith("postgres") and reachable(database_url, 5432)
REDIS_AVAILABLE = broker_url.startswith("redis") and reachable(broker_url, 6379)

if REQUIRE_SERVICES and not (POSTGRES_AVAILABLE and REDIS_AVAILABLE):
    raise ImproperlyConfigured(
        f"REQUIRE_SERVICES=1 but PostgreSQL ({database_url}: {POSTGRES_AVAILABLE}) "
        f"or Redis ({broker_url}: {REDIS_AVAILABLE}) is not reachable."
    )

if POSTGRES_AVAILABLE:
    DATABASES = {"default": dj_database_url.parse(database_url)}  # noqa: F405
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "var" / "test.sqlite3")}}

CELERY_BROKER_URL = broker_url if REDIS_AVAILABLE else "memory://"
CELERY_TASK_ALWAYS_EAGER = True  # the real-worker test switches this off for itself
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECRET_KEY = "test-only-key"
DEBUG = False
WHITENOISE_USE_FINDERS = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the tests' receiver listens on 127.0.0.1
