"""lock_order: the fresh row, a real FOR NO KEY UPDATE held until the transaction ends, never outside one."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from orders.models import Order
from orders.services.locks import ORDER_CONTEXT, lock_order
from tests.factories import make_business, make_order
from tests.races import race

pytestmark = pytest.mark.postgres


def try_lock(order_pk: int, sql_lock: str):
    """In another connection (a thread of its own): try to take `sql_lock` on the order row without waiting."""

    def worker(_index):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Order._meta.db_table} WHERE id = %s {sql_lock} NOWAIT", [order_pk])
            return "locked" if cursor.fetchone() else "missing"

    return race(worker, count=1)


@pytest.mark.django_db
def test_it_returns_the_row_as_it_is_now_with_its_relations(django_assert_num_queries):
    business, _ = make_business("Locks")
    stale = make_order(business)
    Order.objects.filter(pk=stale.pk).update(total=stale.total + 1)

    with transaction.atomic():
        with django_assert_num_queries(1):
            locked = lock_order(stale, related=ORDER_CONTEXT)
            assert (locked.stage.pk, locked.queue.pk, locked.warehouse.pk) == (
                stale.stage_id,
                stale.queue_id,
                stale.warehouse_id,
            )
            assert locked.contact.pk == stale.contact_id
        by_pk = lock_order(stale.pk)

    assert locked is not stale
    assert locked.total == by_pk.total == stale.total + 1


@pytest.mark.django_db(transaction=True)
def test_the_lock_blocks_other_writers_of_the_row_but_not_inserts_of_its_children():
    business, _ = make_business("Locks")
    order = make_order(business)

    with transaction.atomic():
        lock_order(order)
        # A second writer of the order's row is refused while we hold it...
        assert try_lock(order.pk, "FOR NO KEY UPDATE") == {"OperationalError": 1}
        assert try_lock(order.pk, "FOR UPDATE") == {"OperationalError": 1}
        # ...but the key share a child row's foreign key takes (an item, a delivery) still goes through.
        assert try_lock(order.pk, "FOR KEY SHARE") == {"locked": 1}

    assert try_lock(order.pk, "FOR NO KEY UPDATE") == {"locked": 1}  # released at commit


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses_to_lock():
    business, _ = make_business("Locks")
    order = make_order(business)

    with pytest.raises(TransactionManagementError, match="outside of a transaction"):
        lock_order(order)
