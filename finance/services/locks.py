"""The invoice's row lock, the first lock every invoice, credit-note and payment service takes."""

from finance.models import Invoice


def lock_invoice(pk: int) -> Invoice:
    """Invoice `pk` locked (no key, its own row only) until the caller's transaction ends, with its contact,
    account and warehouse loaded. Then stock, then the account, then the number sequence (see issue_invoice)."""
    return (
        Invoice.objects.select_for_update(no_key=True, of=("self",))
        .select_related("contact", "account", "warehouse")
        .get(pk=pk)
    )
