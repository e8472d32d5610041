"""Placing orders from an estimate: one order per fulfilling organisation, used once, paid as estimated."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import Organisation, OrganisationKind
from crmcom.core.exceptions import StateConflict
from finance.models import Invoice, Payment
from orders.models import InvoicingModel, Order, OrderStatus, Queue, Stage
from orders.services.placement import place_orders
from tests.factories import (
    ProductFactory,
    b2b_merchant,
    default_warehouse,
    give_credit,
    make_contact,
    make_estimate,
    make_object,
    merchant_warehouse,
)
from tests.orders.billing_support import make_queue
from wallets.gateway import get_gateway
from wallets.models import WalletBalance
from wallets.services.balances import credit_wallet
from wallets.services.payment_methods import add_card

pytestmark = pytest.mark.django_db


def own_organisation(business) -> Organisation:
    return Organisation.objects.get(business=business, kind=OrganisationKind.BUSINESS)


def test_an_estimate_places_an_order_in_the_default_queues_first_stage(business, owner):
    product = ProductFactory(business=business)
    estimate = make_estimate(business=business, items=[(product, 3)], discount="2")

    [order] = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash", user=owner)

    queue = Queue.objects.get(business=business, is_default=True)
    assert order.number.startswith("ORD-")
    assert (order.queue, order.stage, order.status) == (queue, queue.stages.order_by("position")[0], OrderStatus.NEW)
    assert order.warehouse == default_warehouse(business)
    assert order.fulfilled_by == own_organisation(business)
    assert (order.total, order.discounts, order.total_before_discounts) == (
        estimate.total,
        Decimal("2.00"),
        Decimal("30.00"),
    )
    [item] = order.items.all()
    assert (item.product, item.quantity, item.discount, item.total, item.is_charge) == (
        product,
        3,
        Decimal("2.00"),
        Decimal("33.60"),
        False,
    )
    assert list(order.stage_moves.values_list("from_stage", "to_stage")) == [(None, order.stage_id)]
    estimate.refresh_from_db()
    assert estimate.used_at is not None and order.estimate == estimate


def test_an_estimate_places_orders_once(business):
    estimate = make_estimate(business=business)
    place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")

    with pytest.raises(StateConflict, match="used already"):
        place_orders(business=business, estimation_id=str(estimate.estimation_id), payment_method="cash")
    assert Order.objects.filter(business=business).count() == 1


def test_an_expired_estimate_places_nothing(business):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        estimate = make_estimate(business=business)
    with time_machine.travel(start + datetime.timedelta(hours=1, minutes=59), tick=False):
        still_valid = make_estimate(business=business)
    with time_machine.travel(start + datetime.timedelta(hours=2), tick=False):
        with pytest.raises(StateConflict, match="expired"):
            place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")
        assert len(place_orders(business=business, estimation_id=still_valid.estimation_id, payment_method="cash"))
    assert Order.objects.filter(business=business).count() == 1


def test_unknown_and_foreign_estimates_are_bad_input(business, other_business):
    theirs = make_estimate(business=other_business)
    for estimation_id in (theirs.estimation_id, "not-a-uuid"):
        with pytest.raises(ValidationError) as error:
            place_orders(business=business, estimation_id=estimation_id, payment_method="cash")
        assert "estimation_id" in error.value.message_dict
    theirs.refresh_from_db()
    assert theirs.used_at is None


def test_b2b_items_become_one_order_per_owner_fulfilled_by_it(business):
    merchant = b2b_merchant(business)
    other = b2b_merchant(business)
    own, theirs, others = (
        ProductFactory(business=business),
        ProductFactory(business=business, owner=merchant),
        ProductFactory(business=business, owner=other),
    )
    estimate = make_estimate(business=business, items=[(own, 1), (theirs, 2), (others, 3)])

    orders = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")

    by_fulfiller = {order.fulfilled_by: order for order in orders}
    assert set(by_fulfiller) == {own_organisation(business), merchant, other}
    assert [(i.product, i.quantity) for i in by_fulfiller[merchant].items.all()] == [(theirs, 2)]
    assert [(i.product, i.quantity) for i in by_fulfiller[other].items.all()] == [(others, 3)]
    assert {fulfiller: order.warehouse for fulfiller, order in by_fulfiller.items()} == {
        own_organisation(business): default_warehouse(business),
        merchant: merchant_warehouse(merchant),
        other: merchant_warehouse(other),
    }
    assert len({order.number for order in orders}) == 3
    assert sum(order.total for order in orders) == estimate.total


def test_charges_become_charge_items(business):
    from finance.models import ProductKind
    from orders.models import FulfilmentCharge, FulfilmentPolicy

    rules = FulfilmentPolicy.objects.create(
        business=business,
        organisation=own_organisation(business),
        supply_methods=["delivery"],
        delivery_methods=["courier"],
        postcodes=["1010"],
    )
    fee = ProductFactory(business=business, kind=ProductKind.EXPENSE, stockable=False, tax_rate=0)
    FulfilmentCharge.objects.create(policy=rules, kind="fixed", product=fee)
    estimate = make_estimate(business=business)

    [order] = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")

    assert [(item.product, item.is_charge, item.total) for item in order.items.filter(is_charge=True)] == [
        (fee, True, Decimal("10.00"))
    ]
    assert order.total == Decimal("24.00") + Decimal("10.00") == estimate.total


def test_preferred_fulfilment_time_is_kept_and_must_not_have_passed(business):
    start = timezone.now()
    later = start + datetime.timedelta(days=3)
    soon = start + datetime.timedelta(minutes=30)
    with time_machine.travel(start, tick=False):
        kept = make_estimate(business=business, preferred_fulfilment_at=later)
        passed = make_estimate(business=business, preferred_fulfilment_at=soon)
        with pytest.raises(ValidationError):
            make_estimate(business=business, preferred_fulfilment_at=start - datetime.timedelta(minutes=1))
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        [order] = place_orders(business=business, estimation_id=kept.estimation_id, payment_method="cash")
        with pytest.raises(ValidationError) as error:
            place_orders(business=business, estimation_id=passed.estimation_id, payment_method="cash")
    assert order.preferred_fulfilment_at == later
    assert "preferred_fulfilment_at" in error.value.message_dict


# ------------------------------------------------------------------ payment split (the default queue invoices upfront)


def funded_contact(business, *, credit="0", wallet="0", card=False):
    contact = make_contact(business)
    if Decimal(credit):
        give_credit(contact.account, Decimal(credit))
    if Decimal(wallet):
        credit_wallet(wallet=contact.wallet, amount=wallet, currency="EUR", reason="Top-up")
    if card:
        add_card(wallet=contact.wallet, number="4242424242424242", exp_month=12, exp_year=2099, cvc="123")
    return contact


def open_balance(contact) -> Decimal:
    return WalletBalance.objects.get(wallet__contact=contact, currency="EUR").open


def test_account_credit_wallet_and_card_pay_the_upfront_invoice_as_estimated(business):
    contact = funded_contact(business, credit="30", wallet="50", card=True)
    product = ProductFactory(business=business)  # 10.00 + 20 %
    estimate = make_estimate(
        business=business, contact=contact, items=[(product, 10)], use_account_credit=True, use_wallet=True
    )
    assert (estimate.account_credit, estimate.wallet_funds, estimate.amount_due) == (30, 50, 40)

    [order] = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="card")

    invoice = Invoice.objects.get(order_link__order=order)
    payments = {p.method: p.amount for p in Payment.objects.filter(invoice=invoice)}
    assert payments == {"account_credit": Decimal("30.00"), "wallet": Decimal("50.00"), "card": Decimal("40.00")}
    assert invoice.settlement == "paid"
    [card_payment] = Payment.objects.filter(invoice=invoice, method="card")
    assert get_gateway().captured(card_payment.gateway_reference) == Decimal("40.00")
    assert open_balance(contact) == 0
    contact.account.refresh_from_db()
    assert contact.account.balance == 0  # −30 credit + 120 invoiced − 50 wallet − 40 card: the credit posts nothing


def test_cash_and_on_account_take_the_wallet_funds_and_charge_nothing_else(business):
    for method in ("cash", "account"):
        contact = funded_contact(business, wallet="5", card=True)
        estimate = make_estimate(business=business, contact=contact, use_wallet=True)

        [order] = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method=method)

        paid = Payment.objects.filter(invoice__order_link__order=order).values_list("method", "amount")
        assert list(paid) == [("wallet", Decimal("5.00"))]
        assert open_balance(contact) == 0
    assert not Payment.objects.filter(business=business, method="card").exists()


def test_paying_the_rest_from_the_wallet_needs_the_funds(business):
    contact = funded_contact(business, wallet="10")
    estimate = make_estimate(business=business, contact=contact, use_wallet=True)  # 24.00: 10 wallet, 14 due

    with pytest.raises(StateConflict):
        place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="wallet")

    assert open_balance(contact) == Decimal("10.00")
    assert not Order.objects.filter(business=business).exists()
    estimate.refresh_from_db()
    assert estimate.used_at is None  # nothing happened: it can be placed another way


def test_card_payment_needs_a_card_on_file(business):
    estimate = make_estimate(business=business)
    with pytest.raises(ValidationError) as error:
        place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="card")
    assert "payment_method" in error.value.message_dict


def two_orders_estimate(business):
    """An estimate of two orders (the business's product and a B2B merchant's) of 12.00 each, for a card."""
    merchant = b2b_merchant(business)
    contact = funded_contact(business, card=True)
    return make_estimate(
        business=business,
        contact=contact,
        items=[(ProductFactory(business=business), 1), (ProductFactory(business=business, owner=merchant), 1)],
    )


def only_first_charge_passes(monkeypatch):
    """The gateway, the charges it made (the first only) and every charge asked of it (each later one declined)."""
    from wallets.gateway import CardDeclined

    gateway = get_gateway()
    real_charge = gateway.charge
    charges, attempts = [], []

    def second_declines(**kwargs):
        attempts.append(kwargs)
        if charges:
            raise CardDeclined()
        charges.append(real_charge(**kwargs))
        return charges[-1]

    monkeypatch.setattr(gateway, "charge", second_declines)
    return gateway, charges, attempts


def test_a_declined_card_places_nothing_and_refunds_the_other_orders_charges(business, monkeypatch):
    estimate = two_orders_estimate(business)
    gateway, charges, _ = only_first_charge_passes(monkeypatch)

    with pytest.raises(StateConflict):
        place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="card")

    assert gateway.refunded(charges[0].id) == charges[0].amount == Decimal("12.00")
    assert not Order.objects.filter(business=business).exists()


def test_orders_of_queues_invoiced_later_keep_their_plan_and_are_charged_as_they_are_invoiced(business):
    Queue.objects.filter(business=business).update(invoicing_model=InvoicingModel.PONR)
    contact = funded_contact(business, credit="5", wallet="10", card=True)
    estimate = make_estimate(business=business, contact=contact, use_wallet=True, use_account_credit=True)

    [order] = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="card")

    assert (order.planned_account_credit, order.planned_wallet, order.planned_card) == (5, 10, order.total - 15)
    assert not Invoice.objects.filter(order_link__order=order).exists()
    assert open_balance(contact) == Decimal("10.00")
    assert not Payment.objects.filter(invoice__order_link__order=order).exists()
    # Their invoices are paid by this plan when issued: tests/orders/test_payment_plan.py.


# ------------------------------------------------------------------ API


def test_api_places_orders_and_answers_the_documented_shape(api, business):
    merchant = b2b_merchant(business)
    estimate = make_estimate(
        business=business,
        items=[(ProductFactory(business=business), 1), (ProductFactory(business=business, owner=merchant), 2)],
    )

    response = api.post(
        "/api/v1/orders/", {"estimation_id": str(estimate.estimation_id), "payment_method": "cash"}, format="json"
    )

    assert response.status_code == 201, response.content
    orders = response.json()["orders"]
    assert len(orders) == 2
    for shown in orders:
        assert {"id", "number", "status", "stage", "fulfilled_by", "items", "total"} <= set(shown)
        assert shown["status"] == "new"
    assert {shown["fulfilled_by"] for shown in orders} == {own_organisation(business).pk, merchant.pk}
    assert sorted(shown["total"] for shown in orders) == ["12.00", "24.00"]
    again = api.post(
        "/api/v1/orders/", {"estimation_id": str(estimate.estimation_id), "payment_method": "cash"}, format="json"
    )
    assert again.status_code == 409 and "detail" in again.json()


def test_api_lists_filters_and_reads_orders(api, business):
    first = make_object(Order, business)
    second = make_object(Order, business)
    second_stage = Stage.objects.get(queue=second.queue, position=2)
    Order.objects.filter(pk=second.pk).update(stage=second_stage)

    detail = api.get(f"/api/v1/orders/{first.pk}/").json()
    by_stage = api.get(f"/api/v1/orders/?stage={second_stage.pk}").json()
    by_number = api.get(f"/api/v1/orders/?search={first.number}").json()
    by_contact = api.get(f"/api/v1/orders/?contact={first.contact_id}").json()

    assert (detail["status"], detail["stage"], detail["number"]) == ("new", first.stage_id, first.number)
    assert {"items", "total", "currency", "contact", "fulfilled_by", "supply_method", "placed_at"} <= set(detail)
    assert [row["id"] for row in by_stage["results"]] == [second.pk]
    assert [row["id"] for row in by_number["results"]] == [first.pk]
    assert [row["id"] for row in by_contact["results"]] == [first.pk]
    assert api.get("/api/v1/orders/?status=cancelled").json()["count"] == 0


def test_api_refuses_other_businesses_estimates_and_orders(api, business, other_business):
    theirs = make_estimate(business=other_business)
    their_order = make_object(Order, other_business)

    response = api.post(
        "/api/v1/orders/", {"estimation_id": str(theirs.estimation_id), "payment_method": "cash"}, format="json"
    )

    assert response.status_code == 400 and "estimation_id" in response.json()
    assert api.get(f"/api/v1/orders/{their_order.pk}/").status_code == 404
    their_stage = their_order.stage_id
    assert api.get(f"/api/v1/orders/?stage={their_stage}").status_code == 400


def test_estimating_and_placing_emit_their_events(business, monkeypatch):
    from orders.services import estimates, placement

    emitted = []

    def record(event, *, business_id, payload, contact=None):
        emitted.append((event, business_id, payload, contact))

    monkeypatch.setattr(estimates, "emit", record)
    monkeypatch.setattr(placement, "emit", record)
    merchant = b2b_merchant(business)
    estimate = make_estimate(
        business=business,
        items=[(ProductFactory(business=business), 1), (ProductFactory(business=business, owner=merchant), 1)],
    )
    orders = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")

    assert [(event, business_id, contact) for event, business_id, _, contact in emitted] == [
        ("order.estimate", business.pk, estimate.contact),
        ("order.new", business.pk, estimate.contact),
        ("order.new", business.pk, estimate.contact),
    ]
    assert emitted[0][2]["estimate"]["estimation_id"] == str(estimate.estimation_id)
    assert [payload["order"]["number"] for _, _, payload, _ in emitted[1:]] == [order.number for order in orders]
    assert {payload["order"]["fulfilled_by"] for _, _, payload, _ in emitted[1:]} == {
        own_organisation(business).pk,
        merchant.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_order_numbers_are_taken_before_the_placing_transaction_so_a_refusal_leaves_a_gap(business):
    """Order numbers are identifiers, not fiscal documents: taking them in their own short transaction lets
    concurrent placements queue for the sequence only briefly; a refused placement costs a number."""
    estimate = make_estimate(business=business)
    first = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")[0]
    with pytest.raises(StateConflict, match="used already"):
        place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")
    second = place_orders(
        business=business, estimation_id=make_estimate(business=business).estimation_id, payment_method="cash"
    )[0]
    assert int(second.number.removeprefix("ORD-")) == int(first.number.removeprefix("ORD-")) + 2


def test_a_decline_refunds_the_charge_of_an_invoice_the_first_stage_issued_and_asks_no_card_twice(
    business, monkeypatch
):
    """A first stage that invoices at the point of no return issues the invoice while placing: placement pays it
    (strictly), so a later decline refunds that charge too and no card is asked twice for one invoice."""
    queue = make_queue(business, InvoicingModel.PONR, [{"point_of_no_return": True, "invoice_at_ponr": True}, {}])
    Queue.objects.filter(business=business).exclude(pk=queue.pk).update(is_default=False)
    Queue.objects.filter(pk=queue.pk).update(is_default=True)
    estimate = two_orders_estimate(business)
    gateway, charges, attempts = only_first_charge_passes(monkeypatch)

    with pytest.raises(StateConflict):
        place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="card")

    assert gateway.refunded(charges[0].id) == charges[0].amount == Decimal("12.00")
    assert len(attempts) == 2  # one charge per order: the declined one is not asked again
    assert not Order.objects.filter(business=business).exists()
