"""Taking an order's failed payments again: its due invoices paid from what is left of its plan.

A payment that failed after placement (a declined card, a wallet short of funds) left its invoice due and a
PaymentFailure on the order (orders.services.payment_plan). Once the contact has fixed it (a new card, a
top-up), staff or the portal take the payments again: every issued invoice of the order still due is paid as
billing pays it (pay_invoice: account credit, wallet, card, up to what the plan has left), oldest first.

An attempt that fails again is logged as a new PaymentFailure, as billing logs it, and the others go on; the
retry is not refused for it (the answer shows the failure). A failure is resolved (`resolved_at`) when this
retry takes its payment (its invoice, its way) or its invoice is no longer due (paid another way, credited).
Refused (409, nothing written) when no invoice of the order is due and no failure is open, or the plan has
nothing left to pay what is due. With nothing due, the open failures (their invoices paid another way) are
resolved and nothing is taken.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from crmcom.core.exceptions import StateConflict
from finance.models import Invoice, InvoiceState, Payment
from orders.models import Order, PaymentFailure
from orders.services.locks import lock_order
from orders.services.payment_plan import pay_invoice, planned_payments


@dataclass(frozen=True)
class Retried:
    """What a retry did: the order (re-read), the payments taken, the failures it resolved, the attempts that
    failed again."""

    order: Order
    payments: list[Payment]
    resolved: int
    failures: list[PaymentFailure]


def due_invoices(order: Order) -> list[Invoice]:
    """The order's issued invoices with something still due, oldest first (the caller holds the order's lock)."""
    due = F("total") - F("credited_total") - F("paid_total")
    issued = Invoice.objects.filter(order_link__order=order, state=InvoiceState.ISSUED)
    return list(issued.alias(left=due).filter(left__gt=0).select_related("account", "contact").order_by("pk"))


def retry_order_payments(*, order: Order, user=None) -> Retried:
    """Pay the order's due invoices from what is left of its plan; resolve the failures that fixes."""
    with transaction.atomic():
        order = lock_order(order)
        invoices = due_invoices(order)
        open_failures = list(PaymentFailure.objects.filter(order=order, resolved_at__isnull=True))
        if not invoices and not open_failures:
            raise StateConflict(f"Nothing is due on the invoices of order {order}.")
        if invoices and not any(planned_payments(order, invoice) for invoice in invoices):
            raise StateConflict(
                f"The payment plan of order {order} has nothing left to pay what is due: take it another way "
                "(a payment on the invoice)."
            )
        payments = [payment for invoice in invoices for payment in pay_invoice(order=order, invoice=invoice, user=user)]
        taken = Q(pk__in=[])
        for payment in payments:
            taken |= Q(invoice_id=payment.invoice_id, method=payment.method)
        still_due = {invoice.pk for invoice in due_invoices(order)}
        seen = [failure.pk for failure in open_failures]
        resolved = (
            PaymentFailure.objects.filter(pk__in=seen)
            .filter(taken | ~Q(invoice_id__in=still_due))
            .update(resolved_at=timezone.now())
        )
        failures = list(PaymentFailure.objects.filter(order=order, resolved_at__isnull=True).exclude(pk__in=seen))
    return Retried(order=order, payments=payments, resolved=resolved, failures=failures)
