"""The transactional tests' teardown (tests/plugins/fast_flush.py) empties what a test wrote and keeps the rest."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from contacts.models import Business
from contacts.services.staff import STAFF_GROUP, staff_permissions
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

    assert empty_written_tables(connection, post_migrate=False) is True

    assert tables_with_rows(connection) == []
    assert (ContentType.objects.count(), Permission.objects.count()) == (content_types, permissions)
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # foreign-key triggers are on again


@pytest.mark.django_db(transaction=True)
def test_emptying_leaves_what_post_migrate_makes_as_django_s_flush_does():
    """Django's flush sends post_migrate, whose receivers (the staff group's refresh) remake their rows."""
    make_business("Flushed Telecom")
    Permission.objects.filter(codename="view_business").delete()  # a test may remove one, as migrate zero does

    empty_written_tables(connection)

    assert Permission.objects.filter(codename="view_business").exists()
    group = Group.objects.get(name=STAFF_GROUP)
    assert set(group.permissions.values_list("pk", flat=True)) == set(staff_permissions().values_list("pk", flat=True))
