"""The transactional tests' teardown (tests/plugins/fast_flush.py) empties what a test wrote and keeps the rest."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from contacts.models import Business
from inventory.models import Warehouse
from tests.factories import make_business
from tests.plugins.fast_flush import empty_written_tables, tables_with_rows

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_emptying_removes_every_written_row_and_keeps_content_types_and_permissions():
    content_types, permissions = ContentType.objects.count(), Permission.objects.count()
    make_business("Flushed Telecom")
    written = tables_with_rows(connection)
    assert {Business._meta.db_table, Warehouse._meta.db_table} <= set(written)

    assert empty_written_tables(connection) is True

    assert tables_with_rows(connection) == []
    assert (ContentType.objects.count(), Permission.objects.count()) == (content_types, permissions)
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # foreign-key triggers are on again
