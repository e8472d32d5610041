"""Reads around estimates: the queue orders are placed in, and how an estimate's order(s) will be billed."""

from dataclasses import dataclass
from decimal import Decimal

from orders.models import Estimate, Queue


def default_queue(business_id: int) -> Queue | None:
    """The business's default queue: placement puts every order there."""
    return Queue.objects.filter(business_id=business_id, is_default=True).first()


@dataclass(frozen=True)
class EstimateBilling:
    account: int  # the contact's account, which the order's invoices go to
    invoicing_model: str | None  # when the default queue invoices (None: the business has no default queue)
    account_credit: Decimal
    wallet_funds: Decimal
    amount_due: Decimal


def estimate_billing(estimate: Estimate) -> EstimateBilling:
    queue = default_queue(estimate.business_id)
    return EstimateBilling(
        account=estimate.contact.account.pk,
        invoicing_model=queue.invoicing_model if queue else None,
        account_credit=estimate.account_credit,
        wallet_funds=estimate.wallet_funds,
        amount_due=estimate.amount_due,
    )
