"""What the benchmarks share: the settings they run under and their throwaway database.

Not a benchmark itself (`make bench` runs bench/bench_*.py). A bench calls `use_database(name)` before
importing Django, then `sys.exit(run_in_throwaway_database(bench_name, name, run))`; `run` starts with
`migrate()`.
"""

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def use_database(database: str) -> str:
    """Point the test settings at `database` on SERVER (before Django is set up); returns its URL."""
    url = f"{SERVER}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "crmcom.settings.test"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return url


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def run_in_throwaway_database(name: str, database: str, run: Callable[[], int], *, media: bool = False) -> int:
    """Create `database` afresh, set Django up, return `run()`'s exit code, and drop the database at the end.

    With `media`, MEDIA_ROOT is a temporary directory removed at the end too.
    """
    import django

    try:
        admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{database}"')
    except Exception as error:  # no server: nothing to measure
        print(f"{name}: PostgreSQL at {SERVER} is not usable: {error}")
        return 1
    media_root = tempfile.TemporaryDirectory(prefix="crmcom-bench-media-") if media else None
    try:
        django.setup()
        if media_root is not None:
            from django.conf import settings

            settings.MEDIA_ROOT = media_root.name
        return run()
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if media_root is not None:
            media_root.cleanup()


def migrate() -> float:
    """Migrate the bench database; returns the seconds it took."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    return time.perf_counter() - started
