"""Factories for every model the API and the admin expose; the tenancy walk looks models up here."""

from decimal import Decimal

import factory

from contacts.models import Business, Contact, ContactEmail, Organisation, OrganisationKind, User
from contacts.services.contacts import create_contact
from contacts.services.signup import signup_business
from crmcom.core.models import CustomFieldDefinition
from finance.models import Account, Product, ProductKind, ProductPrice
from inventory.models import DeviceState, DeviceStatus, Warehouse
from wallets.models import Wallet


def make_business(name: str = "Acme", currency: str = "EUR", username: str | None = None):
    """A business as sign-up makes it; returns (business, owner)."""
    username = username or f"owner-{name.lower().replace(' ', '-')}-{Business.objects.count()}"
    signed_up = signup_business(
        business_name=name, currency=currency, username=username, password="a-long-pass-phrase", email="o@example.com"
    )
    return signed_up.business, signed_up.owner


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Merchant {n}")
    kind = OrganisationKind.MERCHANT


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    sku = factory.Sequence(lambda n: f"SKU-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    kind = ProductKind.PHYSICAL_GOOD
    stockable = True
    tax_rate = Decimal("20")
    price = factory.RelatedFactory(
        "tests.factories.ProductPriceFactory", factory_related_name="product", currency="EUR"
    )


class ProductPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductPrice

    currency = "EUR"
    amount = Decimal("10.00")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    name = factory.Sequence(lambda n: f"Warehouse {n}")


class DeviceStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceStatus

    name = factory.Sequence(lambda n: f"Status {n}")
    state = DeviceState.NEW


class CustomFieldDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomFieldDefinition

    target = "device"
    name = factory.Sequence(lambda n: f"field_{n}")


def make_contact(business, *, last_name: str = "Doe", email: str = "") -> Contact:
    return create_contact(
        business=business,
        contact=Contact(kind="person", first_name="Jo", last_name=last_name),
        emails=[ContactEmail(email=email)] if email else [],
    )


def make_object(model, business):
    """One row of `model` owned by `business`, made the way the product makes it."""
    if model is Business:
        return business
    if model in (Contact, Account, Wallet):
        contact = make_contact(business)
        return {Contact: contact, Account: contact.account, Wallet: contact.wallet}[model]
    factories = {
        Organisation: OrganisationFactory,
        Product: ProductFactory,
        Warehouse: WarehouseFactory,
        DeviceStatus: DeviceStatusFactory,
        CustomFieldDefinition: CustomFieldDefinitionFactory,
    }
    if model not in factories:
        raise LookupError(f"Add a factory for {model.__name__} to tests/factories.py")
    return factories[model](business=business)


__all__ = ["User", "make_business", "make_contact", "make_object"]
