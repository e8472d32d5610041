from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from contacts.models import Contact, ContactAddress, ContactDetail, ContactEmail, ContactPhone
from crmcom.core.exceptions import StateConflict
from finance.services.accounts import open_account
from wallets.services.wallets import open_wallet


def mark_one_primary(details: Sequence[ContactDetail]) -> None:
    """Of a contact's emails (or phones, or addresses) exactly one is primary: the one marked, else the first.

    Marking two is refused, whichever path (admin inline, API) sends them.
    """
    if len([detail for detail in details if detail.is_primary]) > 1:
        raise ValidationError("Mark only one as primary.")
    primary = next((detail for detail in details if detail.is_primary), details[0] if details else None)
    for detail in details:
        detail.is_primary = detail is primary


def create_contact(
    *,
    business,
    contact: Contact,
    emails: Sequence[ContactEmail] = (),
    phones: Sequence[ContactPhone] = (),
    addresses: Sequence[ContactAddress] = (),
) -> Contact:
    """Save a new contact with its details, its Account and its Wallet in one transaction.

    The account's currency is the business's. A failure anywhere leaves no contact behind.
    """
    contact.business = business
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        for details in (emails, phones, addresses):
            save_details(contact=contact, details=details)
        open_account(contact=contact, currency=business.currency)
        open_wallet(contact=contact)
    return contact


DETAIL_LISTS = {ContactEmail: "emails", ContactPhone: "phones", ContactAddress: "addresses"}


def save_details(*, contact: Contact, details: Sequence[ContactDetail]) -> None:
    try:
        mark_one_primary(details)
    except ValidationError as error:
        raise ValidationError({DETAIL_LISTS[type(details[0])]: error.messages}) from None
    for detail in details:
        detail.contact = contact
        detail.full_clean(exclude=["contact"])
        detail.save()


def update_contact(
    *,
    contact: Contact,
    fields: dict,
    primary_email: str | None = None,
    primary_phone: str | None = None,
    addresses: Sequence[ContactAddress] | None = None,
) -> Contact:
    """Change a contact's names and notes; optionally its primary email or phone, or all its addresses."""
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        if primary_email is not None:
            set_primary(contact=contact, model=ContactEmail, field="email", value=primary_email)
        if primary_phone is not None:
            set_primary(contact=contact, model=ContactPhone, field="number", value=primary_phone)
        if addresses is not None:
            contact.addresses.all().delete()
            save_details(contact=contact, details=addresses)
    return contact


def delete_contact(*, contact: Contact) -> None:
    """A contact goes only while their account is settled; history keeps the record."""
    if contact.account.balance != 0:
        raise StateConflict(f"{contact} owes {contact.account.balance} {contact.account.currency}: settle it first.")
    contact.delete()


def set_primary(*, contact: Contact, model: type[ContactDetail], field: str, value: str) -> None:
    """Make `value` the primary email/phone, adding it if new; an empty value leaves none primary."""
    model.objects.filter(contact=contact, is_primary=True).update(is_primary=False)
    if not value:
        return
    detail = model.objects.filter(contact=contact, **{field: value}).first() or model(contact=contact, **{field: value})
    detail.is_primary = True
    detail.full_clean()
    detail.save()
