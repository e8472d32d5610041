from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from contacts.models import Business, Organisation, OrganisationKind, User
from contacts.services.staff import staff_group
from contacts.tasks import send_welcome_email
from crmcom.core.money import validate_currency
from inventory.models import Warehouse
from inventory.services.setup import create_default_device_statuses, create_default_warehouse
from orders.services.setup import create_default_queue


@dataclass(frozen=True)
class SignedUp:
    business: Business
    owner: User
    organisation: Organisation
    warehouse: Warehouse


def signup_business(*, business_name: str, currency: str, username: str, password: str, email: str) -> SignedUp:
    """Create a business with everything it needs to start, or nothing at all.

    One transaction: the business, its own organisation, its default warehouse, a default device status
    per device state, the default order queue, and its owner (a staff member). The welcome email leaves
    after the commit.
    """
    business_name, username, email = business_name.strip(), username.strip(), email.strip()
    currency = currency.strip().upper()
    errors: dict[str, list[str]] = {}
    if not business_name:
        errors["business_name"] = ["Give the business a name."]
    try:
        validate_currency(currency)
    except ValidationError as error:
        errors["currency"] = error.messages
    if not username:
        errors["username"] = ["Choose a username."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"The username “{username}” is taken."]
    try:
        validate_email(email)
    except ValidationError as error:
        errors["email"] = error.messages
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        business = Business.objects.create(name=business_name, currency=currency)
        organisation = Organisation.objects.create(
            business=business, name=business_name, kind=OrganisationKind.BUSINESS
        )
        warehouse = create_default_warehouse(business=business)
        create_default_device_statuses(business=business)
        create_default_queue(business=business)
        try:
            with transaction.atomic():
                owner = User.objects.create_user(
                    username=username, email=email, password=password, business=business, is_staff=True
                )
        except IntegrityError:  # taken by a concurrent sign-up since the check above
            raise ValidationError({"username": [f"The username “{username}” is taken."]}) from None
        owner.groups.add(staff_group())
        transaction.on_commit(lambda: send_welcome_email.delay(owner.pk))
    return SignedUp(business=business, owner=owner, organisation=organisation, warehouse=warehouse)
