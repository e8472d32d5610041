"""Reads around estimates: the queue orders are placed in, and how an estimate's order(s) will be billed."""

from dataclasses import dataclass
from decimal import Decimal

from orders.models import Estimate, Queue


def default_queue(business_id: int) -> Queue | None:
    """The business's default queue: orders go there unless their estimate chose another."""
    return Queue.objects.filter(business_id=business_id, is_default=True).first()


def placement_queue(estimate: Estimate) -> Queue | None:
    """The queue the estimate's orders go into: the one it chose, else the business's default."""
    return estimate.queue if estimate.queue_id else default_queue(estimate.business_id)


@dataclass(frozen=True)
class EstimateBilling:
    account: int  # the contact's account, which the order's invoices go to
    queue: int | None  # the queue the orders go into (None: the business has no default queue)
    invoicing_model: str | None  # when that queue invoices
    account_credit: Decimal
    wallet_funds: Decimal
    amount_due: Decimal


def estimate_billing(estimate: Estimate) -> EstimateBilling:
    queue = placement_queue(estimate)
    return EstimateBilling(
        account=estimate.contact.account.pk,
        queue=queue.pk if queue else None,
        invoicing_model=queue.invoicing_model if queue else None,
        account_credit=estimate.account_credit,
        wallet_funds=estimate.wallet_funds,
        amount_due=estimate.amount_due,
    )
