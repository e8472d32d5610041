from django.db import transaction
from django.db.models import F

from finance.models import DocumentKind, DocumentSequence

PREFIXES = {
    DocumentKind.INVOICE: "INV-",
    DocumentKind.CREDIT_NOTE: "CN-",
    DocumentKind.PAYMENT: "PAY-",
    DocumentKind.REFUND: "REF-",
    DocumentKind.PAYOUT: "PO-",
    DocumentKind.ORDER: "ORD-",
}


def next_number(*, business_id: int, kind: str) -> str:
    """The next document number of `kind`: gapless and unique per business, even under concurrency.

    Call it inside the transaction that saves the document: the sequence row stays locked until that
    commits, and a rollback gives the number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the document's transaction")
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(business_id=business_id, kind=kind, prefix=PREFIXES[kind])], ignore_conflicts=True
    )
    sequence = DocumentSequence.objects.select_for_update(no_key=True).get(business_id=business_id, kind=kind)
    DocumentSequence.objects.filter(pk=sequence.pk).update(next_number=F("next_number") + 1)
    return f"{sequence.prefix}{sequence.next_number:06d}"
