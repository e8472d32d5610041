"""Modifying items: while the stage and the fulfiller's policy allow; not below delivered or invoiced."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Organisation, OrganisationKind
from crmcom.automations.models import Event
from crmcom.core.exceptions import StateConflict
from inventory.exceptions import InsufficientStock
from inventory.models import ReservationState
from orders.models import FulfilmentPolicy, Milestone, Order, OrderItem, Stage
from orders.services import billing
from orders.services.modification import modify_items
from orders.services.stock import GoodsLine, deliver
from tests.factories import ProductFactory, make_order
from tests.orders.stock_support import assert_no_drift, balance, fresh, goods, item_of, move, reserved_order, stock_in

pytestmark = pytest.mark.django_db


def change(*pairs):
    return [{"product": product, "quantity": quantity} for product, quantity in pairs]


def totals(order: Order):
    order = fresh(order)
    return order.total_before_discounts, order.net, order.tax, order.total


def test_quantities_change_the_totals_and_the_reservations(business):
    cable, phone = goods(business, 10), goods(business, 10)
    order = reserved_order(business, [(cable, 2), (phone, 1)])
    assert totals(order) == (Decimal("30.00"), Decimal("30.00"), Decimal("6.00"), Decimal("36.00"))

    with mock.patch("orders.services.updates.emit") as emit:
        modify_items(order=order, items=change((cable, 5), (phone, 1)))

    assert totals(order) == (Decimal("60.00"), Decimal("60.00"), Decimal("12.00"), Decimal("72.00"))
    item = item_of(order, cable)
    assert (item.quantity, item.net, item.total, item.reservation.quantity) == (5, Decimal("50.00"), Decimal("60"), 5)
    assert balance(business, cable).reserved == 5
    assert emit.call_args.args[0] == Event.ORDER_UPDATE
    assert_no_drift()


def test_items_can_be_added_from_the_catalogue_and_removed(business):
    cable, phone = goods(business, 10), goods(business, 10)
    extra = ProductFactory(business=business)
    extra.prices.update(amount=Decimal("2.50"))
    order = reserved_order(business, [(cable, 2), (phone, 1)])
    phone_reservation = item_of(order, phone).reservation

    with pytest.raises(InsufficientStock):  # `extra` has no stock: nothing changes
        modify_items(order=order, items=change((cable, 2), (extra, 2)))
    assert OrderItem.objects.filter(order=order).count() == 2

    stock_in(business, extra, 2)
    modify_items(order=order, items=change((cable, 2), (extra, 2)))

    assert set(OrderItem.objects.filter(order=order).values_list("product", "quantity", "unit_price")) == {
        (cable.pk, 2, Decimal("10.00")),
        (extra.pk, 2, Decimal("2.50")),
    }
    assert totals(order) == (Decimal("25.00"), Decimal("25.00"), Decimal("5.00"), Decimal("30.00"))
    phone_reservation.refresh_from_db()
    assert phone_reservation.state == ReservationState.RELEASED
    assert (balance(business, phone).reserved, balance(business, extra).reserved) == (0, 2)
    assert_no_drift()


def test_not_below_what_is_delivered_or_invoiced(business):
    cable, phone = goods(business, 10), goods(business, 10)
    order = make_order(business, items=[(cable, 4), (phone, 2)])
    billing.on_order_placed(order=order)  # upfront: all invoiced
    order = move(order, 2)
    deliver(order=order, lines=[GoodsLine(cable, 3)])

    with pytest.raises(ValidationError, match="not fewer than 4"):
        modify_items(order=order, items=change((cable, 2), (phone, 2)))
    with pytest.raises(ValidationError, match="stays on the order"):
        modify_items(order=order, items=change((cable, 4)))

    assert totals(order)[3] == Decimal("72.00")
    modify_items(order=order, items=change((cable, 6), (phone, 2)))  # more is fine: billed at completion
    assert (item_of(order, cable).quantity, item_of(order, cable).reservation.quantity) == (6, 3)
    assert_no_drift()


def test_the_stage_must_allow_modification(business):
    cable = goods(business, 10)
    order = reserved_order(business, [(cable, 2)])
    Stage.objects.filter(pk=order.stage_id).update(allows_modification=False)

    with pytest.raises(StateConflict, match="cannot change"):
        modify_items(order=order, items=change((cable, 3)))
    assert item_of(order, cable).quantity == 2


def test_the_fulfillers_policy_or_else_the_business_policy_must_allow_it(business):
    cable = goods(business, 10)
    order = reserved_order(business, [(cable, 2)])
    own = Organisation.objects.get(business=business, kind=OrganisationKind.BUSINESS)

    modify_items(order=order, items=change((cable, 3)))  # no policy: allowed
    policy = FulfilmentPolicy.objects.create(business=business, organisation=own, allows_modification=False)
    with pytest.raises(StateConflict, match="does not allow"):
        modify_items(order=order, items=change((cable, 4)))

    merchant = Organisation.objects.create(business=business, name="Corner shop", kind=OrganisationKind.MERCHANT)
    Order.objects.filter(pk=order.pk).update(fulfilled_by=merchant)
    with pytest.raises(StateConflict):  # no policy of its own: the business's applies
        modify_items(order=order, items=change((cable, 4)))
    FulfilmentPolicy.objects.create(business=business, organisation=merchant, allows_modification=True)
    modify_items(order=order, items=change((cable, 4)))  # its own overrides the business's
    assert item_of(order, cable).quantity == 4
    assert FulfilmentPolicy.objects.get(pk=policy.pk).allows_modification is False


def test_closed_orders_and_bad_item_lists_are_refused(business):
    cable = goods(business, 10)
    order = reserved_order(business, [(cable, 2)])

    with pytest.raises(ValidationError) as refused:
        modify_items(order=order, items=change((cable, 1), (cable, 2)))
    assert "named twice" in str(refused.value)
    with pytest.raises(ValidationError, match="at least one item"):
        modify_items(order=order, items=[])

    from orders.services.stock import cancel_order

    cancel_order(order=order)
    with pytest.raises(StateConflict, match="cancelled"):
        modify_items(order=order, items=change((cable, 3)))


def test_the_total_never_drops_below_the_milestones(business):
    cable = goods(business, 10)
    order = reserved_order(business, [(cable, 5)])  # 60.00
    Milestone.objects.create(order=order, name="Advance", amount=Decimal("40.00"), is_ad_hoc=True)

    with pytest.raises(StateConflict, match="milestones add up to 40.00"):
        modify_items(order=order, items=change((cable, 3)))  # 36.00
    modify_items(order=order, items=change((cable, 4)))  # 48.00

    assert totals(order)[3] == Decimal("48.00")
