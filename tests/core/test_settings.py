"""Settings as a deployment sees them: each case runs in a fresh interpreter with a controlled environment."""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

BASE_DIR = settings.BASE_DIR
# Variables the settings read: cleared so that the developer's shell cannot leak into a case.
SETTINGS_ENV = {
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DB_CONN_MAX_AGE",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "REQUIRE_SERVICES",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests for their own process, never for a deployment
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "crmcom.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "sqlite:///tmp/x",
    }
    env.update(overrides)
    return env


def test_production_passes_the_deploy_check():
    env = production_env()
    assert len(env["SECRET_KEY"]) == 60
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr


def assert_refused(result: subprocess.CompletedProcess, word: str) -> None:
    """Non-zero exit, and the error itself (the traceback's last line, not its source lines) names `word`."""
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line, result.stderr
    assert word in last_line, result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], **env)
    assert_refused(result, "SECRET_KEY")


def test_production_refuses_a_short_secret_key():
    result = run(["manage.py", "check"], **production_env(SECRET_KEY="too-short"))
    assert_refused(result, "SECRET_KEY")


PRINT_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST"), "port": db.get("PORT"),
    "user": db.get("USER"), "debug": settings.DEBUG, "allowed_hosts": settings.ALLOWED_HOSTS,
    "broker": settings.CELERY_BROKER_URL, "eager": settings.CELERY_TASK_ALWAYS_EAGER,
}))
"""


def base_settings(**env: str) -> dict:
    result = run(["-c", PRINT_SETTINGS], DJANGO_SETTINGS_MODULE="crmcom.settings.base", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_base_settings_read_the_environment():
    seen = base_settings(
        DATABASE_URL="postgres://crm:pw@db.example:6543/crmprod",
        DEBUG="false",
        ALLOWED_HOSTS="crm.example.com, api.example.com",
        CELERY_BROKER_URL="redis://broker.example:6380/2",
    )
    assert seen["engine"] == "django.db.backends.postgresql"
    assert (seen["name"], seen["host"], seen["port"], seen["user"]) == ("crmprod", "db.example", 6543, "crm")
    assert seen["debug"] is False
    assert seen["allowed_hosts"] == ["crm.example.com", "api.example.com"]
    assert seen["broker"] == "redis://broker.example:6380/2"
    assert seen["eager"] is False  # a broker is configured: tasks go to the workers


def test_base_settings_defaults_give_a_local_back_office():
    seen = base_settings()
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["name"] == str(BASE_DIR / "var" / "db.sqlite3")
    assert seen["debug"] is True
    assert "127.0.0.1" in seen["allowed_hosts"]
    assert seen["broker"] == "memory://"
    assert seen["eager"] is True  # no broker: tasks run in-process
