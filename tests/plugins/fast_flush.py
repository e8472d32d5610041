"""Pytest plugin: on PostgreSQL a transactional test empties only the tables it wrote to.

Django ends every TransactionTestCase (pytest-django's `transactional_db`, `live_server`, the race and
browser tests) with `flush`: one TRUNCATE of every table, which makes PostgreSQL create new files for
all ~90 tables and their indexes (1.5-3 s per test here), then post_migrate to recreate the content
types and permissions it just removed. Nearly every table is still empty at that point, so instead one
query finds the tables holding rows and those are emptied with DELETE, foreign-key triggers off for
the session (`session_replication_role = replica`; the test database's user is a superuser). Content
types and permissions are kept, so their ids stay stable for the rest of the worker's tests; post_migrate
is still sent, as Django's flush sends it, so what its receivers make (the "Business staff" group and its
permissions, a permission a test deleted) is there again; with nothing missing it only reads. Anything
else (SQLite) keeps Django's own flush.
"""

from __future__ import annotations

from django.core.management.sql import emit_post_migrate_signal
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


def empty_written_tables(connection, *, post_migrate: bool = True) -> bool:
    """Empty every table holding rows, then send post_migrate (unless told not to, as Django's flush is);
    False when the user may not switch off the triggers (not a superuser): nothing is emptied then."""
    tables = tables_with_rows(connection)
    if tables and not delete_rows(connection, tables):
        return False
    if post_migrate:
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    return True


def delete_rows(connection, tables: list[str]) -> bool:
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
    for name in names:
        # As Django's flush: no post_migrate while serialized contents are to be restored at the next setup.
        restores = self.serialized_rollback and hasattr(connections[name], "_test_serialized_contents")
        if not empty_written_tables(connections[name], post_migrate=not restores):
            _django_fixture_teardown(self)
            return


def pytest_configure(config) -> None:
    TransactionTestCase._fixture_teardown = _fixture_teardown
