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


def take_numbers(*, business_id: int, kind: str, count: int) -> list[str]:
    """`count` numbers of `kind` taken in their own short transaction, before the caller's.

    For identifiers that must be unique but need not be gapless (orders, not fiscal documents): concurrent
    callers then queue for the sequence row only for that short transaction, not for the whole of theirs,
    and a caller that fails afterwards leaves a gap. Inside an enclosing transaction the numbers are taken
    there (and held until it ends), since a nested block cannot commit early.
    """
    with transaction.atomic():
        return [next_number(business_id=business_id, kind=kind) for _ in range(count)]
