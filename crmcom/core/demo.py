"""The demo business loaded by `manage.py seed_demo`: made through the same services as real data."""

from decimal import Decimal

from contacts.models import Business, Contact, ContactAddress, ContactEmail, ContactKind, Organisation, User
from contacts.services.contacts import create_contact
from contacts.services.organisations import save_organisation
from contacts.services.signup import signup_business
from finance.models import CharacteristicDefinition, Product, ProductKind, ProductPrice, ServiceType
from finance.services.products import save_product
from inventory.models import Warehouse, WarehouseKind
from inventory.selectors_warehouses import business_warehouse
from inventory.services.device_import import import_devices
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from inventory.services.warehouses import save_warehouse

DEMO_BUSINESS = "Demo Telecom"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-back-office"


def seed_demo() -> tuple[Business, bool]:
    """Create the demo business once; a second call finds it and changes nothing."""
    existing = User.objects.filter(username=DEMO_USERNAME).select_related("business").first()
    if existing is not None:
        return existing.business, False
    business = signup_business(
        business_name=DEMO_BUSINESS,
        currency="EUR",
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
        email="owner@demo-telecom.example",
    ).business
    seed_catalogue(business)
    save_organisation(business=business, organisation=Organisation(name="City Electronics", kind="merchant"))
    seed_contacts(business)
    seed_stock(business)
    seed_marketplace(business)
    return business, True


def seed_catalogue(business: Business) -> None:
    products = [
        (
            Product(
                sku="STB-4K",
                name="4K set-top box",
                kind=ProductKind.PHYSICAL_GOOD,
                traceable=True,
                stockable=True,
                rental_price=Decimal("5.00"),
                tax_rate=Decimal("20"),
            ),
            [ProductPrice(currency="EUR", amount=Decimal("149.00"))],
            [
                CharacteristicDefinition(
                    name="resolution", value_type="choice", required=True, allowed_values=["HD", "4K"]
                ),
                CharacteristicDefinition(name="storage_gb", value_type="integer"),
            ],
        ),
        (
            Product(
                sku="RTR-AX",
                name="Wi-Fi 6 router",
                kind=ProductKind.PHYSICAL_GOOD,
                traceable=True,
                stockable=True,
                rental_price=Decimal("3.00"),
                tax_rate=Decimal("20"),
            ),
            [ProductPrice(currency="EUR", amount=Decimal("89.00"))],
            [
                CharacteristicDefinition(
                    name="wifi_standard",
                    value_type="choice",
                    required=True,
                    allowed_values=["wifi5", "wifi6", "wifi6e"],
                )
            ],
        ),
        (
            Product(
                sku="RC-1",
                name="Remote control",
                kind=ProductKind.PHYSICAL_GOOD,
                stockable=True,
                tax_rate=Decimal("20"),
            ),
            [ProductPrice(currency="EUR", amount=Decimal("12.50"))],
            [],
        ),
        (
            Product(
                sku="TV-BASIC",
                name="TV basic package",
                kind=ProductKind.SERVICE,
                service_type=ServiceType.TERMED,
                tax_rate=Decimal("20"),
            ),
            [ProductPrice(currency="EUR", amount=Decimal("19.99"))],
            [],
        ),
    ]
    for product, prices, characteristics in products:
        save_product(business=business, product=product, prices=prices, characteristics=characteristics)


def seed_contacts(business: Business) -> None:
    people = [("Maria", "Georgiou", "maria@example.com"), ("Andreas", "Christou", "andreas@example.com")]
    for first_name, last_name, email in people:
        create_contact(
            business=business,
            contact=Contact(kind=ContactKind.PERSON, first_name=first_name, last_name=last_name),
            emails=[ContactEmail(email=email)],
            addresses=[ContactAddress(line1="1 Makariou Avenue", city="Nicosia", postcode="1065", country="CY")],
        )
    create_contact(
        business=business,
        contact=Contact(kind=ContactKind.COMPANY, company_name="Seaside Hotel Ltd"),
        emails=[ContactEmail(email="accounts@seaside.example")],
    )


def seed_stock(business: Business) -> None:
    """Devices through the device import, remote controls through a posted stock-in: the dashboard has stock."""
    warehouse = business_warehouse(business_id=business.pk)
    files = [
        (["serial_number", "sku", "char:resolution"], [[f"STB-{n:04d}", "STB-4K", "4K"] for n in range(1, 13)]),
        (["serial_number", "sku", "char:wifi_standard"], [[f"RTR-{n:04d}", "RTR-AX", "wifi6"] for n in range(1, 9)]),
    ]
    for headers, rows in files:
        outcome = import_devices(business=business, warehouse=warehouse, headers=headers, rows=rows, reason="Demo")
        if outcome.errors:
            raise RuntimeError(f"The demo devices did not import: {outcome.errors}")
    stock_in(warehouse, Product.objects.get(business=business, sku="RC-1"), 40)


def seed_marketplace(business: Business) -> None:
    """A B2B merchant selling its own goods from its own warehouse: an order for them splits off and ships there."""
    merchant = save_organisation(
        business=business, organisation=Organisation(name="Gadget Marketplace", kind="b2b_merchant")
    )
    depot = save_warehouse(
        business=business,
        warehouse=Warehouse(
            name="Gadget Marketplace depot", kind=WarehouseKind.PARTNER, organisation=merchant, is_default=True
        ),
    )
    plug = save_product(
        business=business,
        product=Product(
            sku="PLUG-1",
            name="Smart plug",
            kind=ProductKind.PHYSICAL_GOOD,
            stockable=True,
            tax_rate=Decimal("20"),
            owner=merchant,
        ),
        prices=[ProductPrice(currency="EUR", amount=Decimal("24.90"))],
    )
    stock_in(depot, plug, 30)


def stock_in(warehouse: Warehouse, product: Product, quantity: int) -> None:
    delivery = create_transaction(
        business=warehouse.business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=product, quantity=quantity)],
        reference="Demo delivery",
    )
    post_transaction(transaction=delivery)
