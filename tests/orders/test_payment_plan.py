"""Orders pay their later invoices (milestones, PoNR, deliveries, the final one) the way their estimate planned."""

from decimal import Decimal

import pytest

from finance.models import Invoice, LedgerEntry, Payment
from orders.models import InvoicingModel, PaymentFailure
from orders.services.completion import complete_order
from orders.services.modification import ItemChange, modify_items
from orders.services.stages import move_stage
from orders.services.stock import GoodsLine, deliver
from tests.factories import give_credit, make_contact
from tests.orders.billing_support import (
    MILESTONE_STAGES,
    account_balance,
    charged,
    make_queue,
    no_drift,
    place_estimated,
    stages,
    stocked_box,
)
from tests.orders.test_placement import funded_contact, open_balance
from wallets.gateway import CardDeclined, get_gateway

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def gateway():
    return get_gateway()  # emptied before every test by tests/conftest.py


@pytest.fixture
def box(business):
    return stocked_box(business)  # 12.00 a unit with its tax


@pytest.fixture
def contact(business):
    """10.00 in the wallet and a card on file: an order of 24.00 plans 10.00 wallet, 14.00 card."""
    return funded_contact(business, wallet="10", card=True)


def captured(gateway, order) -> Decimal:
    """What the gateway holds of the order's card payments."""
    cards = Payment.objects.filter(invoice__order_link__order=order, method="card")
    return sum((gateway.captured(payment.gateway_reference) for payment in cards), D("0"))


def order_invoices(order) -> list[Invoice]:
    return list(Invoice.objects.filter(order_link__order=order).order_by("pk"))


def test_milestone_invoices_and_the_final_one_are_paid_as_planned_and_charged_once(business, box, contact, gateway):
    queue = make_queue(business, InvoicingModel.MILESTONES, MILESTONE_STAGES)
    order = place_estimated(business, queue, contact, [(box, 2)], use_wallet=True)
    assert (order.planned_wallet, order.planned_card, order.planned_account_credit) == (10, 14, 0)
    assert not order_invoices(order)

    move_stage(order=order, stage=stages(queue)[2])
    [milestone] = order_invoices(order)
    assert milestone.settlement == "paid"
    assert charged(order) == {"wallet": D("10.00"), "card": D("2.00")}

    move_stage(order=order, stage=stages(queue)[3])
    deliver(order=order, lines=[GoodsLine(box, 2)])
    complete_order(order=order)

    final = order_invoices(order)[-1]
    assert (final.total, final.settlement) == (D("24.00"), "paid")
    # The credit note on the paid milestone invoice left 12.00 of credit: it settles the final invoice first.
    assert charged(order) == {"wallet": D("10.00"), "card": D("14.00"), "account_credit": D("12.00")}
    assert captured(gateway, order) == order.planned_card
    assert open_balance(contact) == 0
    assert account_balance(order) == 0
    no_drift()


def test_a_ponr_invoice_after_milestones_is_paid_by_their_credit_and_the_plan_is_charged_once(
    business, box, contact, gateway
):
    ponr = {"point_of_no_return": True, "invoice_at_ponr": True}
    queue = make_queue(business, InvoicingModel.MILESTONES, [*MILESTONE_STAGES[:2], ponr, {"milestone_percent": 25}])
    order = place_estimated(business, queue, contact, [(box, 2)], use_wallet=True)  # 24.00: 10 wallet, 14 card
    move_stage(order=order, stage=stages(queue)[2])  # the 12.00 milestone: 10 wallet, 2 card

    move_stage(order=order, stage=stages(queue)[3])

    milestone, ponr_invoice = order_invoices(order)
    assert (milestone.credited_total, ponr_invoice.total, ponr_invoice.settlement) == (D("12.00"), D("24.00"), "paid")
    assert charged(order) == {"wallet": D("10.00"), "card": D("14.00"), "account_credit": D("12.00")}
    assert account_balance(order) == 0

    move_stage(order=order, stage=stages(queue)[4])  # a milestone after the PoNR invoice bills nothing
    deliver(order=order, lines=[GoodsLine(box, 2)])
    complete_order(order=order)

    assert len(order_invoices(order)) == 2
    assert order.milestones.filter(reached_at__isnull=False, invoice__isnull=True).count() == 1
    assert charged(order)["wallet"] + charged(order)["card"] == order.planned_wallet + order.planned_card
    assert captured(gateway, order) == order.planned_card
    assert open_balance(contact) == 0
    assert account_balance(order) == 0
    no_drift()


def test_the_ponr_invoice_is_paid_as_planned(business, box, contact, gateway):
    queue = make_queue(business, InvoicingModel.PONR, [{}, {"in_progress": True}, {"point_of_no_return": True}])
    order = place_estimated(business, queue, contact, [(box, 2)], use_wallet=True)

    move_stage(order=order, stage=stages(queue)[2])
    move_stage(order=order, stage=stages(queue)[3])

    [ponr] = order_invoices(order)
    assert ponr.settlement == "paid"
    assert charged(order) == {"wallet": D("10.00"), "card": D("14.00")}
    assert captured(gateway, order) == D("14.00")
    assert account_balance(order) == 0
    no_drift()


def test_each_delivery_invoice_is_paid_from_what_is_left_of_the_plan(business, box, contact, gateway):
    queue = make_queue(business, InvoicingModel.PROGRESS, [{}, {"in_progress": True}])
    order = place_estimated(business, queue, contact, [(box, 3)], use_wallet=True)  # 36.00: 10 wallet, 26 card
    move_stage(order=order, stage=stages(queue)[2])

    deliver(order=order, lines=[GoodsLine(box, 2)])
    assert charged(order) == {"wallet": D("10.00"), "card": D("14.00")}
    deliver(order=order, lines=[GoodsLine(box, 1)])
    complete_order(order=order)

    assert [invoice.settlement for invoice in order_invoices(order)] == ["paid", "paid"]
    assert charged(order) == {"wallet": D("10.00"), "card": D("26.00")}
    assert captured(gateway, order) == order.planned_card == D("26.00")
    assert account_balance(order) == 0
    no_drift()


def test_a_cash_order_charges_nothing(business, box, contact):
    queue = make_queue(business, InvoicingModel.PONR, [{}, {"point_of_no_return": True}])
    order = place_estimated(business, queue, contact, [(box, 2)], payment_method="cash")

    move_stage(order=order, stage=stages(queue)[2])

    [ponr] = order_invoices(order)
    assert (ponr.settlement, charged(order)) == ("unpaid", {})
    assert open_balance(contact) == D("10.00")
    assert account_balance(order) == D("24.00")


def test_account_credit_settles_a_later_invoice_without_posting(business, box):
    contact = make_contact(business)
    give_credit(contact.account, D("30.00"))
    queue = make_queue(business, InvoicingModel.PONR, [{}, {"point_of_no_return": True}])
    order = place_estimated(business, queue, contact, [(box, 2)], payment_method="cash", use_account_credit=True)
    assert order.planned_account_credit == D("24.00")
    entries = LedgerEntry.objects.filter(account=contact.account).count()

    move_stage(order=order, stage=stages(queue)[2])

    [ponr] = order_invoices(order)
    assert ponr.settlement == "paid"
    assert charged(order) == {"account_credit": D("24.00")}
    assert LedgerEntry.objects.filter(account=contact.account).count() == entries + 1  # the invoice only
    assert account_balance(order) == D("-6.00")  # 30.00 of credit, 24.00 of it taken by the invoice
    no_drift()


def test_a_declined_card_leaves_the_stage_move_done_the_invoice_due_and_the_failure_shown(
    api, business, box, contact, gateway, monkeypatch
):
    queue = make_queue(business, InvoicingModel.MILESTONES, MILESTONE_STAGES)
    order = place_estimated(business, queue, contact, [(box, 2)], use_wallet=True)

    def declined(**kwargs):
        raise CardDeclined()

    monkeypatch.setattr(gateway, "charge", declined)
    moved = move_stage(order=order, stage=stages(queue)[2])

    assert moved.stage == stages(queue)[2]
    [milestone] = order_invoices(order)
    assert (milestone.settlement, milestone.due) == ("partially_paid", D("2.00"))
    assert charged(order) == {"wallet": D("10.00")}
    [failure] = PaymentFailure.objects.filter(order=order)
    assert (failure.invoice, failure.method, failure.amount) == (milestone, "card", D("2.00"))
    shown = api.get(f"/api/v1/orders/{order.pk}/").json()["payment_failures"]
    assert [(row["invoice"], row["method"], row["amount"]) for row in shown] == [(milestone.pk, "card", "2.00")]
    no_drift()


# The plan follows the order's changes

PONR_STAGES = [{}, {"in_progress": True}, {"point_of_no_return": True}]


def plan_of(order) -> tuple[Decimal, Decimal, Decimal]:
    order.refresh_from_db()
    return order.planned_account_credit, order.planned_wallet, order.planned_card


def resize(order, box, quantity: int) -> None:
    modify_items(order=order, items=[ItemChange(product=box, quantity=quantity)])


def test_more_to_pay_is_planned_on_the_card_and_charged(business, box, contact, gateway):
    queue = make_queue(business, InvoicingModel.PONR, PONR_STAGES)
    order = place_estimated(business, queue, contact, [(box, 2)], use_wallet=True)
    move_stage(order=order, stage=stages(queue)[2])

    resize(order, box, 3)  # 36.00

    assert plan_of(order) == (0, D("10.00"), D("26.00"))
    move_stage(order=order, stage=stages(queue)[3])
    assert charged(order) == {"wallet": D("10.00"), "card": D("26.00")}
    assert captured(gateway, order) == D("26.00")
    assert account_balance(order) == 0
    no_drift()


def test_less_to_pay_shrinks_the_plan_card_first_then_wallet_and_keeps_the_credit(business, box):
    contact = funded_contact(business, credit="5", wallet="10", card=True)
    queue = make_queue(business, InvoicingModel.PONR, PONR_STAGES)
    order = place_estimated(business, queue, contact, [(box, 2)], use_wallet=True, use_account_credit=True)
    assert plan_of(order) == (D("5.00"), D("10.00"), D("9.00"))
    move_stage(order=order, stage=stages(queue)[2])

    resize(order, box, 1)  # 12.00: 12.00 less, 9.00 of it off the card, 3.00 off the wallet

    assert plan_of(order) == (D("5.00"), D("7.00"), 0)
    move_stage(order=order, stage=stages(queue)[3])
    assert charged(order) == {"account_credit": D("5.00"), "wallet": D("7.00")}
    assert open_balance(contact) == D("3.00")
    assert account_balance(order) == 0
    no_drift()


def test_the_plan_shrinks_by_what_is_left_to_pay_after_a_paid_milestone(business, box, contact, gateway):
    queue = make_queue(business, InvoicingModel.MILESTONES, MILESTONE_STAGES)
    order = place_estimated(business, queue, contact, [(box, 3)], use_wallet=True)  # 36.00: 10 wallet, 26 card
    move_stage(order=order, stage=stages(queue)[2])  # the 18.00 milestone: 10 wallet, 8 card

    resize(order, box, 2)  # 24.00

    assert plan_of(order) == (0, D("10.00"), D("14.00"))
    move_stage(order=order, stage=stages(queue)[3])
    deliver(order=order, lines=[GoodsLine(box, 2)])
    complete_order(order=order)
    assert charged(order) == {"wallet": D("10.00"), "card": D("14.00"), "account_credit": D("18.00")}
    assert captured(gateway, order) == D("14.00")
    assert account_balance(order) == 0
    no_drift()


def test_a_cash_order_pays_changes_in_cash_and_keeps_its_wallet_funds_planned(business, box, contact):
    queue = make_queue(business, InvoicingModel.PONR, PONR_STAGES)
    order = place_estimated(business, queue, contact, [(box, 2)], payment_method="cash", use_wallet=True)
    move_stage(order=order, stage=stages(queue)[2])

    resize(order, box, 3)
    assert plan_of(order) == (0, D("10.00"), 0)
    resize(order, box, 1)  # 12.00: the cash part (26.00) takes the cut

    assert plan_of(order) == (0, D("10.00"), 0)
    move_stage(order=order, stage=stages(queue)[3])
    assert charged(order) == {"wallet": D("10.00")}
    assert account_balance(order) == D("2.00")
