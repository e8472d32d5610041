"""Pytest plugin: tests that need a real service run only where it is, and nobody misses a fallback.

Markers (declared in pyproject.toml):
  postgres  needs PostgreSQL   settings.POSTGRES_AVAILABLE (crmcom.settings.test probes 127.0.0.1:5432)
  redis     needs Redis        settings.REDIS_AVAILABLE    (probes 127.0.0.1:6379)
  browser   needs chromium     /usr/bin/chromium (Debian's package; `make browser` installs it)

A marked test whose service is missing is skipped, or fails when REQUIRE_SERVICES=1 (CI).
The end of the run prints a loud banner when the suite fell back to SQLite, and lists the tests skipped
for a missing service, grouped by reason. Works with pytest-xdist: skips travel back to the controller in
the reports' user_properties.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PROPERTY = "missing_service"

REASONS = {
    "postgres": "PostgreSQL is not reachable: the suite ran on SQLite",
    "redis": "Redis is not reachable: no real Celery broker",
    "browser": f"{CHROMIUM} is missing: run `make browser`",
}


def require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def _setting(name: str) -> bool:
    try:
        from django.conf import settings

        return bool(getattr(settings, name, False))
    except Exception:  # no Django settings at all: treat the service as missing
        return False


def available() -> dict[str, bool]:
    return {
        "postgres": _setting("POSTGRES_AVAILABLE"),
        "redis": _setting("REDIS_AVAILABLE"),
        "browser": os.access(CHROMIUM, os.X_OK),
    }


def pytest_report_header(config: pytest.Config) -> str:
    state = available()
    parts = [f"{name} {'yes' if ok else 'NO'}" for name, ok in state.items()]
    return f"services: {', '.join(parts)}{' (REQUIRE_SERVICES=1)' if require_services() else ''}"


def missing_services(item: pytest.Item, state: dict[str, bool]) -> list[str]:
    return [name for name in REASONS if item.get_closest_marker(name) and not state[name]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if require_services():
        return  # pytest_runtest_setup turns them into failures
    state = available()
    for item in items:
        missing = missing_services(item, state)
        if missing:
            item.user_properties.extend((PROPERTY, name) for name in missing)
            item.add_marker(pytest.mark.skip(reason="; ".join(REASONS[name] for name in missing)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if not require_services():
        return
    missing = missing_services(item, available())
    if missing:
        pytest.fail("REQUIRE_SERVICES=1 but " + "; ".join(REASONS[name] for name in missing), pytrace=False)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    by_reason: dict[str, set[str]] = defaultdict(set)
    for report in terminalreporter.stats.get("skipped", []):
        for key, value in getattr(report, "user_properties", ()):
            if key == PROPERTY and value in REASONS:
                by_reason[REASONS[value]].add(report.nodeid)

    fell_back = not _setting("POSTGRES_AVAILABLE")
    if not fell_back and not by_reason:
        return

    write = terminalreporter.write_sep
    if fell_back:
        write("!", red=True, bold=True)
        write("!", "FELL BACK TO SQLITE: PostgreSQL (DATABASE_URL) was not reachable", red=True, bold=True)
        write("!", "row locks, concurrency and PostgreSQL-only behaviour were NOT tested", red=True, bold=True)
        write("!", red=True, bold=True)
    if by_reason:
        total = len(set().union(*by_reason.values()))
        write("!", f"{total} test(s) SKIPPED for a missing service", red=True, bold=True)
        for reason, ids in sorted(by_reason.items()):
            terminalreporter.write_line(f"{reason} ({len(ids)}):", red=True, bold=True)
            for nodeid in sorted(ids):
                terminalreporter.write_line(f"    {nodeid}")
