"""Pytest plugin: on PostgreSQL a transactional test empties only the tables it wrote to.

Django ends every TransactionTestCase (pytest-django's `transactional_db`, `live_server`, the race and
browser tests) with `flush`: one TRUNCATE of every table, which makes PostgreSQL create new files for
all ~90 tables and their indexes (1.5-3 s per test here), then post_migrate to recreate the content
types and permissions it just removed. Nearly every table is still empty at that point, so instead one
query finds the tables holding rows and those are emptied with DELETE, foreign-key triggers off for
the session (`session_replication_role = replica`; the test database's user is a superuser). Content
types and permissions are kept, so no post_migrate is needed and their ids stay stable for the rest of
the worker's tests. Anything else (SQLite) keeps Django's own flush.
"""

from __future__ import annotations

from django.db import DatabaseError, connections
from django.test import TransactionTestCase

KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})

_django_fixture_teardown = TransactionTestCase._fixture_teardown


def tables_with_rows(connection) -> list[str]:
    tables = [
        name
        for name in connection.introspection.django_table_names(only_existing=True, include_views=False)
        if name not in KEPT_TABLES
    ]
    if not tables:
        return []
    quote = connection.ops.quote_name
    probes = " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(name)})" for name in tables)
    with connection.cursor() as cursor:
        cursor.execute(probes, tables)
        return [row[0] for row in cursor.fetchall()]


def empty_written_tables(connection) -> bool:
    """Empty every table holding rows; False when the user may not switch off the triggers (not a superuser)."""
    tables = tables_with_rows(connection)
    if not tables:
        return True
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        try:
            cursor.execute("SET session_replication_role = replica")
        except DatabaseError:
            return False
        try:
            for name in tables:
                cursor.execute(f"DELETE FROM {quote(name)}")
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    return True


def _fixture_teardown(self) -> None:
    names = list(self._databases_names(include_mirrors=False))
    if self.available_apps is not None or any(connections[name].vendor != "postgresql" for name in names):
        _django_fixture_teardown(self)
        return
    if not all(empty_written_tables(connections[name]) for name in names):
        _django_fixture_teardown(self)


def pytest_configure(config) -> None:
    TransactionTestCase._fixture_teardown = _fixture_teardown
