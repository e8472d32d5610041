"""Payments against one issued invoice, refunds against one payment, payouts against no document.

Every function is one transaction that locks in a fixed order — invoice, then account, then payment — so
two writers on the same invoice or account queue rather than deadlock, and checks amounts under those locks.

Money that leaves through the payment gateway (a card charge, a card refund, a card payout) is asked for as
the last step inside the transaction: a decline raises, the transaction rolls back, nothing is written. The
gateway call carries an idempotency key (the caller's, e.g. the API's Idempotency-Key header, or a fresh one):
a retry with the same key gets the gateway's first answer back, and since that answer's reference is already on
a document, the retry returns that document instead of writing a second one. A card never pays twice.

An `account_credit` payment settles an invoice from credit on account (a negative balance) and moves no money.
It posts no ledger entry: the invoice raised the balance when it was issued, and that already netted it against
the credit, so a −amount entry would count the credit twice. The balance stays the sum of the entries, and the
payment only marks the invoice paid, up to the credit no invoice took yet (finance.selectors.allocatable_credit;
more is a 409). Its refund, likewise, posts nothing: the invoice is due again and the credit is free again.

A refund of a payment on a credited invoice first takes back what the credit note handed back as credit on
account: only as long as that credit is still free (another invoice may have been settled by it since).
"""

import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from crmcom.core.exceptions import StateConflict
from crmcom.core.money import round_money
from crmcom.core.services import recorded_user
from finance.models import Account, DocumentKind, Invoice, InvoiceState, Payment, PaymentMethod, Payout, Refund
from finance.selectors import allocatable_credit, free_credit, refundable_amount
from finance.services.ledger import lock_account, post_entry
from finance.services.locks import lock_invoice
from finance.services.numbering import next_number
from wallets.gateway import get_gateway
from wallets.models import PaymentMethod as Card
from wallets.services.balances import credit_wallet, debit_wallet


class _Replay(Exception):
    """A retried gateway request: roll back what this attempt wrote and return the first attempt's document."""

    def __init__(self, document):
        super().__init__(document)
        self.document = document


def _clean_amount(amount, currency: str) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"amount": "A decimal amount is required."}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({"amount": "The amount must be positive."})
    if round_money(value, currency) != value:
        raise ValidationError({"amount": f"{currency} amounts have at most the currency's minor unit of decimals."})
    return value


def _gateway_key(business_id: int, kind: str, idempotency_key: str) -> str:
    return f"{business_id}:{kind}:{idempotency_key or uuid.uuid4()}"


def _replayed(model, document, reference: str) -> None:
    """Raise _Replay when the gateway answered a retry: its reference is already on an earlier document."""
    earlier = model.objects.filter(business_id=document.business_id, gateway_reference=reference).exclude(
        pk=document.pk
    )
    if earlier.exists():
        raise _Replay(earlier.get())
    document.gateway_reference = reference
    document.save(update_fields=["gateway_reference"])


def _card_of(*, contact, payment_method: Card | None) -> Card:
    """The named card, which must be the contact's, or the primary card of the contact's wallet."""
    if payment_method is not None:
        if payment_method.wallet.contact_id != contact.pk:
            raise ValidationError({"payment_method": "This card is not one of the contact's payment methods."})
        return payment_method
    card = Card.objects.filter(wallet__contact=contact, is_primary=True).first()
    if card is None:
        raise ValidationError({"payment_method": "The contact has no card on file."})
    return card


def record_payment(
    *,
    invoice: Invoice,
    amount,
    method: str,
    currency: str | None = None,
    payment_method: Card | None = None,
    idempotency_key: str = "",
    user=None,
) -> Payment:
    """Settle (part of) an issued invoice by cash, by card (the gateway charges the card), from the wallet or
    from credit on account.

    Never more than the invoice's due (400); a draft or cancelled invoice cannot be paid (409); a declined
    card, a wallet short of funds or not enough credit on account is a 409 with nothing written.
    """
    if method not in PaymentMethod.values:
        raise ValidationError({"method": f"Choose one of {', '.join(PaymentMethod.values)}."})
    if currency is not None and currency != invoice.currency:
        raise ValidationError({"currency": f"The invoice is in {invoice.currency}, not {currency}."})
    amount = _clean_amount(amount, invoice.currency)
    card = _card_of(contact=invoice.contact, payment_method=payment_method) if method == PaymentMethod.CARD else None
    if method != PaymentMethod.CARD and payment_method is not None:
        raise ValidationError({"payment_method": "Only card payments use a payment method."})
    key = _gateway_key(invoice.business_id, "payment", idempotency_key)
    try:
        with transaction.atomic():
            invoice = lock_invoice(invoice.pk)
            account = lock_account(invoice.account)
            if invoice.state != InvoiceState.ISSUED:
                raise StateConflict(f"A {invoice.state} invoice cannot be paid; only issued invoices can.")
            if amount > invoice.due:
                raise ValidationError(
                    {"amount": f"{amount} {invoice.currency} is more than the {invoice.due} still due on {invoice}."}
                )
            if method == PaymentMethod.ACCOUNT_CREDIT and amount > (credit := allocatable_credit(account)):
                raise StateConflict(
                    f"Only {credit} {invoice.currency} of credit on account is free to settle {invoice}, "
                    f"not {amount} {invoice.currency}."
                )
            number = next_number(business_id=invoice.business_id, kind=DocumentKind.PAYMENT)
            payment = Payment.objects.create(
                business_id=invoice.business_id,
                number=number,
                invoice=invoice,
                account=account,
                method=method,
                amount=amount,
                currency=invoice.currency,
                created_by=recorded_user(user),
            )
            if method != PaymentMethod.ACCOUNT_CREDIT:
                post_entry(
                    account=account,
                    kind=DocumentKind.PAYMENT,
                    number=number,
                    amount=-amount,
                    currency=invoice.currency,
                    description=f"Payment of {invoice}",
                )
            invoice.paid_total += amount
            invoice.save(update_fields=["paid_total"])
            if method == PaymentMethod.WALLET:
                debit_wallet(
                    wallet=invoice.contact.wallet,
                    amount=amount,
                    currency=invoice.currency,
                    reason=f"Payment {number} of invoice {invoice}",
                    reference=number,
                    user=user,
                )
            elif method == PaymentMethod.CARD:
                charge = get_gateway().charge(
                    token=card.token, amount=amount, currency=invoice.currency, idempotency_key=key
                )
                _replayed(Payment, payment, charge.id)
    except _Replay as replay:
        return replay.document
    return payment


def refund_payment(*, payment: Payment, amount, idempotency_key: str = "", user=None) -> Refund:
    """Return part or all of a payment the way it came: to the card, to the wallet, in cash, or as credit on
    account again (an account_credit payment: nothing is posted, the credit is free again).

    Never more than was paid less what was already refunded (400). The invoice is due again by the amount.
    """
    amount = _clean_amount(amount, payment.currency)
    key = _gateway_key(payment.business_id, "refund", idempotency_key)
    try:
        with transaction.atomic():
            invoice = lock_invoice(payment.invoice_id)
            account = lock_account(payment.account)
            payment = Payment.objects.select_for_update(no_key=True).get(pk=payment.pk)
            refundable = payment.amount - payment.refunded_total
            if amount > refundable:
                left = f"{refundable} {payment.currency} left to refund on {payment}"
                raise ValidationError({"amount": f"{amount} {payment.currency} is more than the {left}."})
            _check_credit_handed_back(invoice, account, payment, amount)
            number = next_number(business_id=payment.business_id, kind=DocumentKind.REFUND)
            refund = Refund.objects.create(
                business_id=payment.business_id,
                number=number,
                payment=payment,
                account=account,
                amount=amount,
                currency=payment.currency,
                created_by=recorded_user(user),
            )
            if payment.method != PaymentMethod.ACCOUNT_CREDIT:
                post_entry(
                    account=account,
                    kind=DocumentKind.REFUND,
                    number=number,
                    amount=amount,
                    currency=payment.currency,
                    description=f"Refund of {payment}",
                )
            payment.refunded_total += amount
            payment.save(update_fields=["refunded_total"])
            invoice.paid_total -= amount
            invoice.save(update_fields=["paid_total"])
            if payment.method == PaymentMethod.WALLET:
                # record_payment spends the open part only, so the money goes back there.
                credit_wallet(
                    wallet=invoice.contact.wallet,
                    amount=amount,
                    currency=payment.currency,
                    reason=f"Refund {number} of payment {payment}",
                    reference=number,
                    user=user,
                )
            elif payment.method == PaymentMethod.CARD:
                result = get_gateway().refund(charge_id=payment.gateway_reference, amount=amount, idempotency_key=key)
                _replayed(Refund, refund, result.id)
    except _Replay as replay:
        return replay.document
    return refund


def _check_credit_handed_back(invoice: Invoice, account: Account, payment: Payment, amount: Decimal) -> None:
    """Refuse (400) refunding what a credit note already handed back as credit that other invoices then took.

    A credit note on a paid invoice leaves what was paid beyond the invoice's new total (paid + credited −
    total) as credit on account. A refund takes that part first: it is money the credit would otherwise be,
    so it may only leave while that credit is still free (finance.selectors.free_credit). Refunding it once
    another invoice was settled by it would give it back twice: the balance would say the contact owes what
    no invoice shows due, and allocatable_credit would read 0 although the credit was used.
    """
    if amount <= refundable_amount(payment, invoice=invoice, account=account):
        return
    handed_back = max(invoice.credited_total + invoice.paid_total - invoice.total, Decimal("0"))
    free = free_credit(account)
    currency = payment.currency
    most, left, kept = (
        f"{round_money(value, currency)} {currency}"
        for value in (min(payment.amount - payment.refunded_total, free), handed_back, free)
    )
    raise ValidationError(
        {
            "amount": (
                f"At most {most} of {payment} can be refunded: {invoice} was credited, which left {left} of what "
                f"was paid as credit on account, and other invoices took all but {kept} of it."
            )
        }
    )


def make_payout(
    *,
    account: Account,
    amount,
    method: str | None = None,
    payment_method: Card | None = None,
    idempotency_key: str = "",
    user=None,
) -> Payout:
    """Pay the contact back money we owe them: in cash, or to a card (the named one or the primary one).

    The rule: only credit on account can be paid out. The balance is what the contact owes, so credit is a
    negative balance, and the balance must stay ≤ 0 after the payout (+amount); anything more is a 409.
    """
    method = method or (PaymentMethod.CARD if payment_method is not None else PaymentMethod.CASH)
    if method not in (PaymentMethod.CASH, PaymentMethod.CARD):
        raise ValidationError({"method": "A payout goes to a card or is paid in cash."})
    if method == PaymentMethod.CASH and payment_method is not None:
        raise ValidationError({"payment_method": "Only card payouts use a payment method."})
    amount = _clean_amount(amount, account.currency)
    card = _card_of(contact=account.contact, payment_method=payment_method) if method == PaymentMethod.CARD else None
    key = _gateway_key(account.business_id, "payout", idempotency_key)
    try:
        with transaction.atomic():
            account = lock_account(account)
            credit = -account.balance
            if amount > credit:
                raise StateConflict(
                    f"Only credit on account can be paid out: {amount} {account.currency} asked, "
                    f"{max(credit, Decimal(0))} {account.currency} available."
                )
            number = next_number(business_id=account.business_id, kind=DocumentKind.PAYOUT)
            payout = Payout.objects.create(
                business_id=account.business_id,
                number=number,
                account=account,
                amount=amount,
                currency=account.currency,
                created_by=recorded_user(user),
            )
            post_entry(
                account=account,
                kind=DocumentKind.PAYOUT,
                number=number,
                amount=amount,
                currency=account.currency,
                description="Payout to card" if card else "Payout in cash",
            )
            if card is not None:
                result = get_gateway().payout(
                    token=card.token, amount=amount, currency=account.currency, idempotency_key=key
                )
                _replayed(Payout, payout, result.id)
    except _Replay as replay:
        return replay.document
    return payout
