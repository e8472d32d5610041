from finance.models import Account


def open_account(*, contact, currency: str) -> Account:
    """The contact's ledger, in the business's currency unless another is given."""
    return Account.objects.create(business_id=contact.business_id, contact=contact, currency=currency)
