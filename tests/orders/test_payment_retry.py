"""Taking an order's failed payments again: the due invoices paid from what is left of the plan."""

from decimal import Decimal

import pytest

from crmcom.core.exceptions import StateConflict
from finance.models import Invoice
from finance.services.payments import record_payment
from orders.models import InvoicingModel, PaymentFailure
from orders.services.payment_retry import retry_order_payments
from orders.services.stages import move_stage
from tests.orders.admin_support import admin_messages
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
from tests.orders.test_placement import funded_contact
from wallets.gateway import get_gateway
from wallets.services.payment_methods import add_card, make_primary

pytestmark = pytest.mark.django_db

D = Decimal
DECLINED = "4000000000000002"  # the test gateway declines every charge on it


@pytest.fixture
def box(business):
    return stocked_box(business)  # 12.00 a unit with its tax


@pytest.fixture
def contact(business):
    """10.00 in the wallet and a card that is declined: an order of 24.00 plans 10.00 wallet, 14.00 card."""
    contact = funded_contact(business, wallet="10")
    add_card(wallet=contact.wallet, number=DECLINED, exp_month=12, exp_year=2099, cvc="123")
    return contact


def card_works_again(contact) -> None:
    make_primary(
        method=add_card(wallet=contact.wallet, number="4242424242424242", exp_month=12, exp_year=2099, cvc="123")
    )


@pytest.fixture
def declined_order(business, box, contact):
    """A milestone of 12.00 reached: 10.00 from the wallet, the card's 2.00 declined."""
    queue = make_queue(business, InvoicingModel.MILESTONES, MILESTONE_STAGES)
    order = place_estimated(business, queue, contact, [(box, 2)], use_wallet=True)
    move_stage(order=order, stage=stages(queue)[2])
    return order


def milestone_invoice(order) -> Invoice:
    return Invoice.objects.get(order_link__order=order)


def failures(order) -> list[tuple[str, Decimal, bool]]:
    rows = PaymentFailure.objects.filter(order=order).order_by("pk")
    return [(row.method, row.amount, row.resolved_at is not None) for row in rows]


def test_a_declined_card_leaves_a_failure_and_a_retry_with_a_working_card_pays_and_resolves_it(declined_order, contact):
    assert failures(declined_order) == [("card", D("2.00"), False)]
    assert milestone_invoice(declined_order).due == D("2.00")
    card_works_again(contact)

    done = retry_order_payments(order=declined_order)

    [payment] = done.payments
    assert (payment.method, payment.amount, done.failures) == ("card", D("2.00"), [])
    assert get_gateway().captured(payment.gateway_reference) == D("2.00")
    assert milestone_invoice(declined_order).settlement == "paid"
    assert failures(declined_order) == [("card", D("2.00"), True)]
    assert charged(declined_order) == {"wallet": D("10.00"), "card": D("2.00")}
    assert account_balance(declined_order) == 0
    no_drift()


def test_a_card_declined_again_is_a_new_failure_and_the_next_retry_resolves_both(declined_order, contact):
    again = retry_order_payments(order=declined_order)

    assert again.payments == []
    assert [(f.method, f.amount) for f in again.failures] == [("card", D("2.00"))]
    assert failures(declined_order) == [("card", D("2.00"), False)] * 2
    assert milestone_invoice(declined_order).due == D("2.00")

    card_works_again(contact)
    retry_order_payments(order=declined_order)

    assert failures(declined_order) == [("card", D("2.00"), True)] * 2
    assert milestone_invoice(declined_order).due == 0


def test_a_failure_whose_invoice_was_paid_another_way_is_resolved_by_a_retry(declined_order):
    record_payment(invoice=milestone_invoice(declined_order), amount="2.00", method="cash")

    done = retry_order_payments(order=declined_order)

    assert (done.payments, done.resolved, done.failures) == ([], 1, [])
    assert failures(declined_order) == [("card", D("2.00"), True)]


def test_a_retry_with_nothing_due_or_nothing_left_in_the_plan_is_refused(business, box, contact, declined_order):
    card_works_again(contact)
    retry_order_payments(order=declined_order)
    with pytest.raises(StateConflict, match="Nothing is due"):
        retry_order_payments(order=declined_order)

    queue = make_queue(business, InvoicingModel.PONR, [{}, {"point_of_no_return": True}])
    cash = place_estimated(business, queue, contact, [(box, 1)], payment_method="cash")
    move_stage(order=cash, stage=stages(queue)[2])  # 12.00 due in cash
    with pytest.raises(StateConflict, match="nothing left"):
        retry_order_payments(order=cash)
    assert charged(cash) == {}


def test_api_retry_answers_the_order_then_409_when_nothing_is_due(api, declined_order, contact, other_business):
    url = f"/api/v1/orders/{declined_order.pk}/retry-payments/"
    card_works_again(contact)

    response = api.post(url)

    assert response.status_code == 200
    [failure] = response.json()["payment_failures"]
    assert (failure["method"], failure["amount"], failure["resolved_at"] is not None) == ("card", "2.00", True)
    again = api.post(url)
    assert again.status_code == 409
    assert "Nothing is due" in again.json()["detail"]


def test_admin_action_shows_a_message_per_order(staff_client, business, box, contact, declined_order):
    queue = make_queue(business, InvoicingModel.PONR, [{}, {"point_of_no_return": True}])
    nothing_due = place_estimated(business, queue, contact, [(box, 1)], payment_method="cash")
    card_works_again(contact)

    page = staff_client.post(
        "/admin/orders/order/",
        {"action": "retry_payments", "_selected_action": [declined_order.pk, nothing_due.pk]},
        follow=True,
    )

    assert admin_messages(page) == [
        f"{declined_order}: took 2.00 EUR (card); 1 payment failure(s) resolved.",
        f"{nothing_due}: Nothing is due on the invoices of order {nothing_due}.",
    ]
    assert failures(declined_order) == [("card", D("2.00"), True)]


def test_admin_action_shows_a_card_declined_again_as_an_error_and_keeps_the_new_failure(staff_client, declined_order):
    page = staff_client.post(
        "/admin/orders/order/", {"action": "retry_payments", "_selected_action": [declined_order.pk]}, follow=True
    )

    assert admin_messages(page) == [
        f"{declined_order}: took nothing, the card payment of 2.00 EUR failed again: The card was declined."
    ]
    assert failures(declined_order) == [("card", D("2.00"), False)] * 2
