"""Paying an order's invoices as its estimate planned: account credit first, then wallet funds, then the card.

Placement keeps the plan on the order (Order.planned_account_credit / planned_wallet / planned_card: its share
of the estimate's split). Every invoice issued for the order is paid from what is left of the plan, through
finance's record_payment, never more than the invoice's due:
- account credit: an `account_credit` payment (it marks the invoice paid and moves nothing: the invoice already
  netted against the credit in the ledger), up to the plan's credit left and the credit free on the account;
- wallet: a `wallet` payment (the wallet's open balance is debited), up to the plan's wallet funds left;
- card: a `card` payment, the wallet's primary card charged through the gateway, up to the plan's card left.
What is left: planned less what the order's invoices were paid that way, net of refunds. Credit the order's
own invoices hand back counts as credit left too: the final (or cancellation) invoice credits every milestone
invoice in full, and a credit note on a paid invoice leaves what was paid as credit on the account (finance
lowers the balance by the note's total, paid or not). That credit settles the final invoice, so what the
contact paid on milestones is not charged again: over the order's life, wallet and card pay what was planned.

Failures. Placement (`strict`) lets a failure raise: it undoes the placement, the contact is there to pay
another way. Later invoices come from staff operations (a stage move, a delivery, completion, cancellation)
that a declined card must not hold up: each payment runs in record_payment's own savepoint, so a declined card
or a wallet short of funds rolls back that payment only. The invoice stays issued and due by the amount, and a
PaymentFailure on the order (an inline of the order's admin page, and a logged warning) says what failed.
orders.services.payment_retry takes those payments again, through pay_invoice, once the contact fixed them.

Changes: when the order's items change, the plan follows its total (`follow_total`).
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from crmcom.core.exceptions import StateConflict
from finance.models import Invoice, InvoiceState, Payment, PaymentMethod
from finance.selectors import allocatable_credit
from finance.services.payments import record_payment
from orders.models import Order, PaymentFailure, PaymentMethodKind

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
NOTHING = Value(ZERO, output_field=DecimalField(max_digits=19, decimal_places=4))


@dataclass(frozen=True)
class PlanLeft:
    credit: Decimal
    wallet: Decimal
    card: Decimal


def plan_left(order: Order) -> PlanLeft:
    """What the order's plan has not paid yet, by way (never below zero)."""
    paid = dict(
        Payment.objects.filter(invoice__order_link__order=order)
        .values("method")
        .annotate(net=Sum(F("amount") - F("refunded_total")))
        .values_list("method", "net")
    )
    over_settled = Greatest(F("credited_total") + F("paid_total") - F("total"), NOTHING)
    handed_back = Invoice.objects.filter(order_link__order=order, state=InvoiceState.ISSUED).aggregate(
        total=Coalesce(Sum(over_settled), NOTHING)
    )["total"]
    credit = order.planned_account_credit + handed_back - paid.get(PaymentMethod.ACCOUNT_CREDIT, ZERO)
    wallet = order.planned_wallet - paid.get(PaymentMethod.WALLET, ZERO)
    card = order.planned_card - paid.get(PaymentMethod.CARD, ZERO)
    return PlanLeft(credit=max(credit, ZERO), wallet=max(wallet, ZERO), card=max(card, ZERO))


PLANNED_ON = {PaymentMethodKind.CARD: "planned_card", PaymentMethodKind.WALLET: "planned_wallet"}


def follow_total(*, order: Order, change: Decimal) -> None:
    """The plan after the order's total moved by `change` (its items changed); the caller holds the order's lock
    and has saved the new total.

    The plan is the estimate's split: account credit, then wallet funds, then the rest on the order's payment
    method. More to pay: the rest grows, planned on the card or the wallet of a card or wallet order (a cash or
    on-account order pays the extra as it pays its rest, outside the plan). Less to pay: the unplanned rest (cash,
    on account) shrinks first, then the plan, the way it would be spent last first (card, wallet, then account
    credit), each way by at most what it has left: never below what it already paid.

    Nothing is refunded. A change cannot make the order overpaid: items never go below what is invoiced nor the
    total below its milestones (orders.services.modification), and payments never exceed the invoices. Should a
    cut outrun what the plan has left anyway, each way stops at what it paid; the money stays on the order's
    invoices, and a later credit note on them leaves it as account credit (finance), for the contact's next
    invoices or a payout.
    """
    planned = {way: getattr(order, way) for way in ("planned_card", "planned_wallet", "planned_account_credit")}
    if change > 0 and order.payment_method in PLANNED_ON:
        planned[PLANNED_ON[order.payment_method]] += change
    elif change < 0:
        unplanned = max(order.total - change - sum(planned.values()), ZERO)
        cut = max(-change - unplanned, ZERO)
        left = plan_left(order)
        for way, room in (("planned_card", left.card), ("planned_wallet", left.wallet)):
            taken = min(cut, room, planned[way])
            planned[way] -= taken
            cut -= taken
        planned["planned_account_credit"] -= min(cut, left.credit, planned["planned_account_credit"])
    for way, amount in planned.items():
        setattr(order, way, amount)
    Order.objects.filter(pk=order.pk).update(**planned)


def planned_payments(order: Order, invoice: Invoice) -> list[tuple[str, Decimal]]:
    """The (method, amount) payments the plan takes on `invoice`, in order; together at most its due."""
    left = plan_left(order)
    credit = min(invoice.due, left.credit, allocatable_credit(invoice.account))
    wallet = min(invoice.due - credit, left.wallet)
    card = min(invoice.due - credit - wallet, left.card)
    ways = ((PaymentMethod.ACCOUNT_CREDIT, credit), (PaymentMethod.WALLET, wallet), (PaymentMethod.CARD, card))
    return [(method, amount) for method, amount in ways if amount > 0]


def pay_invoice(*, order: Order, invoice: Invoice, user=None, strict: bool = False) -> list[Payment]:
    """Pay `invoice`, issued for `order`, as the order's plan says; the payments taken.

    `strict`: the first payment that fails raises (placement). Otherwise a failed one is logged as a
    PaymentFailure and the invoice stays due by its amount. Call it inside the transaction that issued it.
    """
    invoice = Invoice.objects.select_related("account", "contact").get(pk=invoice.pk)
    payments = []
    for method, amount in planned_payments(order, invoice):
        try:
            payments.append(
                record_payment(
                    invoice=invoice,
                    amount=amount,
                    method=method,
                    idempotency_key=payment_key(order, invoice, method),
                    user=user,
                )
            )
        except (StateConflict, ValidationError) as error:
            if strict:
                raise
            record_failure(order=order, invoice=invoice, method=method, amount=amount, error=error)
    return payments


def payment_key(order: Order, invoice: Invoice, method: str) -> str:
    """The gateway's idempotency key of the plan's `method` payment on `invoice`.

    A gateway answers a key it has seen with its first answer (a decline stays a decline), so each attempt after
    a failure has its own key, named by the last failure: a retry asks again, while an attempt repeated after a
    crash (no new failure written) sends the same key and cannot charge twice.
    """
    key = f"order-{order.pk}-invoice-{invoice.pk}-{method}"
    failures = PaymentFailure.objects.filter(invoice=invoice, method=method).order_by("-pk")
    last = failures.values_list("pk", flat=True).first()
    return key if last is None else f"{key}-after-failure-{last}"


def record_failure(*, order: Order, invoice: Invoice, method: str, amount: Decimal, error: Exception) -> None:
    reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    PaymentFailure.objects.create(order=order, invoice=invoice, method=method, amount=amount, reason=reason[:200])
    logger.warning("Order %s: the %s payment of %s on %s failed: %s", order, method, amount, invoice, reason)
