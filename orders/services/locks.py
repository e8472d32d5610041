"""The order's row lock: the first lock every order service takes, and the only way an order row is locked.

Why FOR NO KEY UPDATE: an order's children (items, deliveries, stage moves, milestones, approvals, invoice
links) reference it by foreign key, and inserting such a row takes FOR KEY SHARE on the order. A plain
FOR UPDATE conflicts with that, so holding it would stall every insert of an item or a delivery for the
order until the locking transaction ends; FOR NO KEY UPDATE serialises the writers of the order's own row
(we never change its primary key) and lets those inserts through. `of=("self",)` keeps the related rows
loaded with `related` (stage, queue, warehouse, contact) unlocked.

Lock order, the same in every order service (so two of them queue rather than deadlock):
1. the order row (here);
2. its pending approval (orders.services.approvals);
3. its invoices, through finance (billing, credit notes of returns and cancellation): each invoice, then the
   stock that invoice moves (devices, then balances), then the account, then the number sequence; refunds
   of payments after that (payment, then the wallet balance);
4. its stock (orders.services.stock.lock_stock): the items' reservations, then the devices, then the stock
   balances, each in primary-key order, all before the first write.
"""

from collections.abc import Iterable

from orders.models import Order

# What the stage, stock and billing services read from the order they lock.
ORDER_CONTEXT = ("stage", "queue", "warehouse", "contact")


def lock_order(order_or_pk: Order | int, *, related: Iterable[str] = ()) -> Order:
    """The order's row re-read and locked (FOR NO KEY UPDATE OF the order only) until the transaction ends.

    `related` names the relations to load with it (select_related). Call it inside `transaction.atomic()`:
    outside one Django refuses (TransactionManagementError), as a lock would end with the statement.
    """
    pk = order_or_pk.pk if isinstance(order_or_pk, Order) else order_or_pk
    locked = Order.objects.select_for_update(no_key=True, of=("self",))
    if related:
        locked = locked.select_related(*related)
    return locked.get(pk=pk)
