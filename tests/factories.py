"""Factories for every model the API and the admin expose; the tenancy walk looks models up here."""

import itertools
from decimal import Decimal

import factory
from django.db import transaction
from django.utils import timezone

from contacts.models import Business, Contact, ContactEmail, Organisation, OrganisationKind, User
from contacts.services.contacts import create_contact
from contacts.services.signup import signup_business
from crmcom.automations.models import (
    Action,
    AutomationRule,
    DeliveryStatus,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
)
from crmcom.automations.services import save_endpoint, save_rule
from crmcom.core.models import CustomFieldDefinition
from finance.models import (
    Account,
    CreditNote,
    DocumentKind,
    Invoice,
    LedgerEntry,
    Payment,
    Payout,
    Product,
    ProductKind,
    ProductPrice,
    Refund,
)
from finance.services import payments as payment_services
from finance.services.credit_notes import CreditLineInput, issue_credit_note
from finance.services.invoices import InvoiceLineInput, create_invoice
from finance.services.ledger import lock_account, post_entry
from finance.services.numbering import next_number
from inventory.models import (
    Device,
    DeviceImport,
    DeviceState,
    DeviceStatus,
    Location,
    MeterReading,
    MeterReadingType,
    StockBalance,
    StockInStatusRule,
    Warehouse,
    WarehouseTransaction,
)
from inventory.services.devices import register_own_device
from inventory.services.meters import record_meter_reading
from inventory.services.posting import post_transaction
from inventory.services.stock_in_rules import save_stock_in_rule
from inventory.services.transactions import LineInput, create_transaction
from orders.models import (
    Delivery,
    Estimate,
    FulfilmentCharge,
    FulfilmentPolicy,
    Order,
    OrderApproval,
    OrderCatalogue,
    OrderItem,
    Queue,
    Stage,
)
from orders.services import stages as stage_services
from orders.services.stock import GoodsLine, deliver
from wallets.models import PaymentMethod, Wallet, WalletJournalEntry
from wallets.services.balances import credit_wallet
from wallets.services.payment_methods import add_card


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


class MeterReadingTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeterReadingType

    name = factory.Sequence(lambda n: f"Meter {n}")
    unit = "kWh"


def make_meter_reading(*, business) -> MeterReading:
    """A first reading of a fresh meter on a contact's own device."""
    product = ProductFactory(business=business, traceable=True)
    device = register_own_device(
        contact=make_contact(business), product=product, serial_number=f"METER-{Device.objects.count()}"
    )
    return record_meter_reading(
        device=device,
        reading_type=MeterReadingTypeFactory(business=business),
        value=Decimal("1"),
        read_at=timezone.now(),
    )


class CustomFieldDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomFieldDefinition

    target = "device"
    name = factory.Sequence(lambda n: f"field_{n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Shelf {n}")
    warehouse = factory.LazyAttribute(lambda o: default_warehouse(o.business))


def default_warehouse(business) -> Warehouse:
    """The business's own default warehouse (sign-up makes it)."""
    return Warehouse.objects.get(business=business, organisation=None, is_default=True)


def b2b_merchant(business, *, warehouse: bool = True) -> Organisation:
    """A B2B merchant (it owns products and fulfils them), with its default warehouse unless told otherwise."""
    merchant = OrganisationFactory(business=business, kind=OrganisationKind.B2B_MERCHANT)
    if warehouse:
        WarehouseFactory(business=business, name=f"{merchant.name} depot", organisation=merchant, is_default=True)
    return merchant


def merchant_warehouse(merchant: Organisation) -> Warehouse:
    return Warehouse.objects.get(organisation=merchant, is_default=True)


def stocked_product(business, *, sku: str, traceable: bool) -> Product:
    """One shared stockable product per business and sku (cheaper than a product per row)."""
    return Product.objects.filter(business=business, sku=sku).first() or ProductFactory(
        business=business, sku=sku, traceable=traceable
    )


_serials = itertools.count(1)


def stock_in_devices(business, serial_numbers: list[str], *, product=None, warehouse=None) -> list[Device]:
    """Devices as a supplier's delivery brings them: one posted stock-in transaction."""
    product = product or stocked_product(business, sku="FACTORY-BOX", traceable=True)
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse or default_warehouse(business),
        lines=[LineInput(product=product, quantity=len(serial_numbers), serial_numbers=serial_numbers)],
    )
    post_transaction(transaction=txn)
    return list(Device.objects.filter(business=business, serial_number__in=serial_numbers).order_by("pk"))


def make_device(*, business) -> Device:
    return stock_in_devices(business, [f"SN-{next(_serials):06d}"])[0]


def make_draft_transaction(*, business) -> WarehouseTransaction:
    part = stocked_product(business, sku="FACTORY-PART", traceable=False)
    return create_transaction(
        business=business, kind="stock_in", warehouse=default_warehouse(business), lines=[LineInput(part, 1)]
    )


def make_stock_balance(*, business) -> StockBalance:
    """A balance of a fresh product, from a posted stock-in."""
    product = ProductFactory(business=business)
    post_transaction(
        transaction=create_transaction(
            business=business, kind="stock_in", warehouse=default_warehouse(business), lines=[LineInput(product, 5)]
        )
    )
    return StockBalance.objects.get(business=business, product=product)


def make_stock_in_rule(*, business) -> StockInStatusRule:
    rule = StockInStatusRule(
        product=ProductFactory(business=business, traceable=True),
        status=DeviceStatus.objects.get(business=business, state=DeviceState.NEW, is_default=True),
    )
    return save_stock_in_rule(business=business, rule=rule)


def make_device_import(*, business) -> DeviceImport:
    """A finished dry run (a row, without writing its file: the upload path has tests of its own)."""
    return DeviceImport.objects.create(
        business=business,
        warehouse=default_warehouse(business),
        file="device-imports/devices.csv",
        dry_run=True,
        status="validated",
        total_rows=1,
        processed_rows=1,
    )


def make_contact(business, *, last_name: str = "Doe", email: str = "") -> Contact:
    return create_contact(
        business=business,
        contact=Contact(kind="person", first_name="Jo", last_name=last_name),
        emails=[ContactEmail(email=email)] if email else [],
    )


def make_wallet_journal_entry(*, business) -> WalletJournalEntry:
    """A staff credit to a fresh contact's wallet."""
    return credit_wallet(wallet=make_contact(business).wallet, amount="10", currency="EUR", reason="Factory credit")


def make_payment_method(*, business) -> PaymentMethod:
    """A test-gateway card on a fresh contact's wallet."""
    wallet = make_contact(business).wallet
    return add_card(wallet=wallet, number="4242424242424242", exp_month=12, exp_year=2099, cvc="123")


def make_issued_invoice(business, *, contact=None, total=Decimal("100.00")) -> Invoice:
    """An issued invoice posted to the contact's account, made directly (no lines, no stock)."""
    contact = contact or make_contact(business)
    account = contact.account
    invoice = Invoice.objects.create(business=business, contact=contact, account=account, currency=account.currency)
    with transaction.atomic():
        number = next_number(business_id=business.pk, kind=DocumentKind.INVOICE)
        Invoice.objects.filter(pk=invoice.pk).update(
            state="issued", number=number, issued_at=timezone.now(), net_total=total, total=total
        )
        post_entry(
            account=lock_account(account),
            kind=DocumentKind.INVOICE,
            number=number,
            amount=total,
            currency=account.currency,
        )
    invoice.refresh_from_db()
    return invoice


def give_credit(account: Account, amount: Decimal) -> Invoice:
    """Leave `amount` of credit on the account, through the services: an untaxed service invoiced, paid in
    cash, then credited in full by a credit note (the payment property test runs credit notes this way)."""
    business = account.business
    service = Product.objects.filter(business=business, sku="FACTORY-CREDIT").first() or ProductFactory(
        business=business,
        sku="FACTORY-CREDIT",
        kind=ProductKind.SERVICE,
        stockable=False,
        service_type="one_time",
        tax_rate=Decimal("0"),
    )
    invoice = create_invoice(
        business=business,
        contact=account.contact,
        lines=[InvoiceLineInput(service, 1, unit_price=Decimal(amount))],
        issue=True,
    )
    payment_services.record_payment(invoice=invoice, amount=amount, method="cash")
    issue_credit_note(invoice=invoice, lines=[CreditLineInput(quantity=1, invoice_line=invoice.lines.get())])
    return invoice


def make_payment(*, business) -> Payment:
    return payment_services.record_payment(invoice=make_issued_invoice(business), amount="40.00", method="cash")


def make_refund(*, business) -> Refund:
    return payment_services.refund_payment(payment=make_payment(business=business), amount="15.00")


def make_account_payout(*, business) -> Payout:
    account = make_contact(business).account
    give_credit(account, Decimal("30.00"))
    return payment_services.make_payout(account=account, amount="30.00")


def make_invoice(*, business, issue: bool = True) -> Invoice:
    """An invoice of one service line, through the service (issued unless told)."""
    service = Product.objects.filter(business=business, sku="FACTORY-SERVICE").first() or ProductFactory(
        business=business, sku="FACTORY-SERVICE", kind=ProductKind.SERVICE, stockable=False, service_type="one_time"
    )
    return create_invoice(
        business=business, contact=make_contact(business), lines=[InvoiceLineInput(service, 2)], issue=issue
    )


def make_credit_note(*, business) -> CreditNote:
    invoice = make_invoice(business=business)
    return issue_credit_note(invoice=invoice, lines=[CreditLineInput(quantity=1, invoice_line=invoice.lines.first())])


def make_ledger_entry(*, business) -> LedgerEntry:
    return make_invoice(business=business).account.entries.get()


def make_order(
    business,
    *,
    items: list[tuple[Product, int]] | None = None,
    contact=None,
    queue=None,
    payment_method="cash",
    fulfilled_by=None,
) -> Order:
    """An order in its queue's first stage, made directly (placement from an estimate has tests of its own).

    Items default to two units of a fresh stockable product; prices are the catalogue's in EUR.
    """
    from finance.services.pricing import catalogue_price, line_amounts

    contact = contact or make_contact(business)
    queue = queue or Queue.objects.get(business=business, is_default=True)
    items = items or [(ProductFactory(business=business), 2)]
    with transaction.atomic():
        order = Order.objects.create(
            business=business,
            number=next_number(business_id=business.pk, kind=DocumentKind.ORDER),
            contact=contact,
            fulfilled_by=fulfilled_by or Organisation.objects.get(business=business, kind=OrganisationKind.BUSINESS),
            queue=queue,
            stage=Stage.objects.filter(queue=queue).order_by("position").first(),
            warehouse=default_warehouse(business),
            supply_method="delivery",
            payment_method=payment_method,
            currency=contact.account.currency,
        )
        rows = []
        for product, quantity in items:
            unit_price = catalogue_price(product, order.currency)
            amounts = line_amounts(
                quantity=quantity,
                unit_price=unit_price,
                discount=Decimal("0"),
                tax_rate=product.tax_rate,
                currency=order.currency,
            )
            rows.append(
                OrderItem(
                    order=order,
                    product=product,
                    description=product.name,
                    quantity=quantity,
                    unit_price=unit_price,
                    tax_rate=product.tax_rate,
                    net=amounts.net,
                    tax=amounts.tax,
                    total=amounts.total,
                )
            )
        OrderItem.objects.bulk_create(rows)
        order.net = order.total_before_discounts = sum(row.net for row in rows)
        order.tax = sum(row.tax for row in rows)
        order.total = order.net + order.tax
        order.save(update_fields=["net", "total_before_discounts", "tax", "total"])
        stage_services.on_placed(order=order)
    return order


def make_delivery(*, business) -> Delivery:
    """A real delivery through the service: a fresh device stocked in, ordered and dispatched to the contact."""
    device = make_device(business=business)
    order = make_order(business, items=[(device.product, 1)])
    return deliver(order=order, lines=[GoodsLine(device.product, 1, [device.serial_number])])


def make_estimate(*, business, contact=None, items=None, **kwargs):
    """An estimate through the service: two units of a fresh product delivered, unless told otherwise."""
    from orders.services.estimates import ItemInput, create_estimate

    items = items or [(ProductFactory(business=business), 2)]
    kwargs.setdefault("supply_method", "delivery")
    kwargs.setdefault("delivery_method", "courier")
    kwargs.setdefault("address", {"line1": "1 Main St", "city": "Nicosia", "postcode": "1010"})
    return create_estimate(
        business=business,
        contact=contact or make_contact(business),
        items=[ItemInput(product=product, quantity=quantity) for product, quantity in items],
        **kwargs,
    )


_webhooks = itertools.count(1)


def make_webhook_endpoint(*, business, url: str = "http://127.0.0.1:9/hooks") -> WebhookEndpoint:
    """An active endpoint (the default URL is the discard port: nothing there answers)."""
    return save_endpoint(business=business, endpoint=WebhookEndpoint(name=f"Hook {next(_webhooks)}", url=url))


def make_automation_rule(
    *, business, event=Event.ORDER_NEW, action=Action.WEBHOOK, endpoint=None, users=None, **fields
) -> AutomationRule:
    """A rule through the service: a webhook rule gets a fresh endpoint, an email/approval rule the owner."""
    if action == Action.WEBHOOK:
        endpoint = endpoint or make_webhook_endpoint(business=business)
    elif users is None and action != Action.EMAIL_CONTACT:
        users = list(User.objects.filter(business=business).order_by("pk")[:1])
    rule = AutomationRule(name=f"Rule {next(_webhooks)}", event=event, action=action, endpoint=endpoint, **fields)
    return save_rule(business=business, rule=rule, users=users)


def make_webhook_delivery(*, business, status=DeliveryStatus.FAILED) -> WebhookDelivery:
    """A delivery as the log keeps it: by default one that failed (HTTP 500) after one attempt."""
    rule = make_automation_rule(business=business)
    return WebhookDelivery.objects.create(
        business=business,
        endpoint=rule.endpoint,
        rule=rule,
        event=rule.event,
        payload={"order": {"id": 1, "number": "SO-1"}},
        status=status,
        attempts=1,
        response_status=500,
        last_error="HTTP 500 Internal Server Error",
        delivered_at=timezone.now() if status == DeliveryStatus.DELIVERED else None,
        next_attempt_at=timezone.now() if status == DeliveryStatus.PENDING else None,
    )


def make_fulfilment_policy(*, business) -> FulfilmentPolicy:
    """A fresh merchant's policy delivering by courier within 5 km, with a fixed delivery fee."""
    from orders.services.policies import save_policy

    fee = ProductFactory(business=business, kind=ProductKind.EXPENSE, stockable=False, tax_rate=Decimal("0"))
    policy = FulfilmentPolicy(
        organisation=OrganisationFactory(business=business),
        supply_methods=["delivery"],
        delivery_methods=["courier"],
        radius_km=Decimal("5"),
    )
    return save_policy(business=business, policy=policy, charges=[FulfilmentCharge(kind="fixed", product=fee)])


def make_order_catalogue(*, business) -> OrderCatalogue:
    """A breakfast catalogue (07:00–11:00) of one product."""
    from datetime import time

    from orders.services.catalogues import save_catalogue

    catalogue = OrderCatalogue(
        name=f"Breakfast {OrderCatalogue.objects.count()}", available_from=time(7), available_until=time(11)
    )
    return save_catalogue(business=business, catalogue=catalogue, products=[ProductFactory(business=business)])


_queues = itertools.count(1)


def make_queue(*, business, name: str | None = None, **fields) -> Queue:
    """A queue through the service: Open → Approved (requires approval) → Done, none in progress."""
    from orders.services.queues import create_queue

    stages = [
        Stage(name="Open", position=1),
        Stage(name="Approved", position=2, requires_approval=True),
        Stage(name="Done", position=3),
    ]
    return create_queue(business=business, name=name or f"Queue {next(_queues)}", stages=stages, **fields)


def make_stage(*, business) -> Stage:
    """The first stage of a fresh queue of `business`."""
    return make_queue(business=business).stages.order_by("position").first()


def make_order_approval(*, business) -> OrderApproval:
    """A pending approval: an order of a queue whose second stage requires one, asked to move there."""
    from orders.services.stages import change_stage

    queue = Queue.objects.filter(business=business, name="Approvals").first()
    queue = queue or make_queue(business=business, name="Approvals")
    order = make_order(business, queue=queue)
    return change_stage(order=order, stage=queue.stages.get(position=2)).approval


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
        MeterReadingType: MeterReadingTypeFactory,
        MeterReading: make_meter_reading,
        Location: LocationFactory,
        Device: make_device,
        WarehouseTransaction: make_draft_transaction,
        StockBalance: make_stock_balance,
        StockInStatusRule: make_stock_in_rule,
        DeviceImport: make_device_import,
        Invoice: make_invoice,
        CreditNote: make_credit_note,
        LedgerEntry: make_ledger_entry,
        WalletJournalEntry: make_wallet_journal_entry,
        PaymentMethod: make_payment_method,
        Payment: make_payment,
        Refund: make_refund,
        Payout: make_account_payout,
        Order: make_order,
        Delivery: make_delivery,
        Queue: make_queue,
        Stage: make_stage,
        OrderApproval: make_order_approval,
        FulfilmentPolicy: make_fulfilment_policy,
        OrderCatalogue: make_order_catalogue,
        Estimate: make_estimate,
        WebhookEndpoint: make_webhook_endpoint,
        AutomationRule: make_automation_rule,
        WebhookDelivery: make_webhook_delivery,
    }
    if model not in factories:
        raise LookupError(f"Add a factory for {model.__name__} to tests/factories.py")
    return factories[model](business=business)


__all__ = ["User", "make_business", "make_contact", "make_estimate", "make_object", "make_order"]
