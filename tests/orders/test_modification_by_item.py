"""Modifying items by their id: two items of one product, bundles resized with their components."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory.models import ReservationState
from orders.models import InvoicingModel, OrderItem, Queue
from orders.services.modification import ItemChange, modify_items
from orders.services.stock import GoodsLine, deliver
from tests.factories import make_order
from tests.orders.bundle_support import bundle, bundle_item, component_item, components_of, flexible, placed
from tests.orders.stock_support import assert_no_drift, balance, fresh, goods, move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def invoiced_at_ponr(business):
    """Placement invoices nothing (upfront invoicing would set every item's floor at its quantity)."""
    Queue.objects.filter(business=business, is_default=True).update(invoicing_model=InvoicingModel.PONR)


def items_of(order):
    return list(OrderItem.objects.filter(order=order).order_by("pk"))


def test_a_bundles_quantity_resizes_its_components_and_their_reservations(business):
    phone, cable = goods(business, 10), goods(business, 10)
    kit = bundle(business, [(phone, 1), (cable, 2)])
    order = move(placed(business, [(kit, 2)]), 2)
    kit_item = bundle_item(order, kit)

    modify_items(order=order, items=[ItemChange(item=kit_item.pk, quantity=3)])

    assert components_of(kit_item) == {phone.pk: (3, 1), cable.pk: (6, 2)}
    assert component_item(order, cable).reservation.quantity == 6
    assert (balance(business, phone).reserved, balance(business, cable).reserved) == (3, 6)
    assert fresh(order).total == Decimal("180.00")

    modify_items(order=order, items=[{"product": kit, "quantity": 1}])  # by product: the order has one kit

    assert (balance(business, phone).reserved, balance(business, cable).reserved) == (1, 2)
    assert fresh(order).total == Decimal("60.00")
    assert_no_drift()


def test_a_bundle_does_not_shrink_below_its_delivered_components(business):
    cable = goods(business, 10)
    kit = bundle(business, [(cable, 2)])
    order = move(placed(business, [(kit, 3)]), 2)
    deliver(order=order, lines=[GoodsLine(cable, 3)])

    with pytest.raises(ValidationError, match="in the bundle .*, so the bundle not fewer than 2"):
        modify_items(order=order, items=[{"product": kit, "quantity": 1}])
    modify_items(order=order, items=[{"product": kit, "quantity": 2}])

    assert component_item(order, cable).quantity == 4
    assert balance(business, cable).reserved == 1
    assert_no_drift()


def test_components_are_not_changed_on_their_own(business):
    cable = goods(business, 10)
    kit = bundle(business, [(cable, 2)])
    order = move(placed(business, [(kit, 1)]), 2)
    cable_item = component_item(order, cable)
    kit_item = bundle_item(order, kit)

    for change in ({"item": cable_item.pk, "quantity": 3}, {"product": cable, "quantity": 3}):
        with pytest.raises(ValidationError, match="is part of the bundle") as refused:
            modify_items(order=order, items=[{"item": kit_item.pk, "quantity": 1}, change])
        assert "change the bundle's quantity" in str(refused.value)

    assert component_item(order, cable).quantity == 2


def test_a_removed_bundle_takes_its_components_and_their_reservations(business):
    cable, other = goods(business, 10), goods(business, 10)
    kit = bundle(business, [(cable, 2)])
    order = move(placed(business, [(kit, 1), (other, 1)]), 2)
    reservation = component_item(order, cable).reservation

    modify_items(order=order, items=[{"product": other, "quantity": 1}])

    assert [item.product_id for item in items_of(order)] == [other.pk]
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.RELEASED and balance(business, cable).reserved == 0
    assert fresh(order).total == Decimal("12.00")
    assert_no_drift()


def test_a_new_flexible_bundle_brings_its_picks(business):
    cable, box, other = goods(business, 10), goods(business, 10), goods(business, 10)
    menu = flexible(business, [(cable, 1), (box, 3)], least=1, most=1)
    order = move(placed(business, [(other, 1)]), 2)

    with pytest.raises(ValidationError, match="not components of"):
        modify_items(order=order, items=[{"product": other, "quantity": 1}, ItemChange(menu, 2, picks=(other,))])
    assert len(items_of(order)) == 1

    modify_items(order=order, items=[{"product": other, "quantity": 1}, ItemChange(menu, 2, picks=(box,))])

    assert components_of(bundle_item(order, menu)) == {box.pk: (6, 3)}
    assert component_item(order, box).reservation.quantity == balance(business, box).reserved == 6
    assert fresh(order).total == Decimal("84.00")  # 12.00 + 2 × 36.00
    with pytest.raises(ValidationError, match="picks of a placed bundle"):
        modify_items(order=order, items=[{"product": other, "quantity": 1}, ItemChange(menu, 2, picks=(cable,))])
    assert_no_drift()


def test_two_items_of_one_product_change_one_at_a_time(business):
    cable = goods(business, 10)
    order = move(make_order(business, items=[(cable, 2), (cable, 3)]), 2)
    first, second = items_of(order)

    modify_items(order=order, items=[ItemChange(item=first.pk, quantity=4), ItemChange(item=second, quantity=3)])

    assert [(item.quantity, item.reservation.quantity) for item in items_of(order)] == [(4, 4), (3, 3)]
    assert balance(business, cable).reserved == 7

    modify_items(order=order, items=[ItemChange(item=second.pk, quantity=1)])  # the first is removed

    assert [(item.pk, item.quantity) for item in items_of(order)] == [(second.pk, 1)]
    assert balance(business, cable).reserved == 1
    assert_no_drift()


def test_an_ambiguous_product_is_refused_and_nothing_changes(business):
    cable = goods(business, 10)
    kit = bundle(business, [(cable, 2)])
    order = move(placed(business, [(cable, 1), (kit, 1)]), 2)  # the cable alone and inside the kit
    alone = OrderItem.objects.get(order=order, product=cable, bundle_item=None)
    kit_item = bundle_item(order, kit)

    with pytest.raises(ValidationError, match="2 items of .*: name the item"):
        modify_items(order=order, items=[{"product": cable, "quantity": 3}, {"product": kit, "quantity": 1}])
    with pytest.raises(ValidationError, match="named twice"):
        modify_items(order=order, items=[ItemChange(item=alone.pk, quantity=2), {"product": kit, "quantity": 1}] * 2)
    with pytest.raises(ValidationError, match="not among the order's items"):
        modify_items(order=order, items=[ItemChange(item=0, quantity=2)])
    assert balance(business, cable).reserved == 3

    modify_items(order=order, items=[ItemChange(item=alone.pk, quantity=3), ItemChange(item=kit_item.pk, quantity=1)])

    assert (fresh(order).total, component_item(order, cable).quantity) == (Decimal("96.00"), 2)
    assert balance(business, cable).reserved == 5


def test_the_api_names_items_by_id_and_refuses_an_ambiguous_product(api, business):
    cable = goods(business, 10)
    order = move(make_order(business, items=[(cable, 2), (cable, 3)]), 2)
    first, second = items_of(order)
    url = f"/api/v1/orders/{order.pk}/items/"

    ambiguous = api.put(url, {"items": [{"product": cable.pk, "quantity": 4}]}, format="json")
    nameless = api.put(url, {"items": [{"quantity": 4}]}, format="json")
    changed = api.put(
        url, {"items": [{"item": first.pk, "quantity": 5}, {"item": second.pk, "quantity": 3}]}, format="json"
    )

    assert ambiguous.status_code == 400 and "name the item" in str(ambiguous.json()["items"])
    assert nameless.status_code == 400 and "name the item" in str(nameless.json()["items"])
    assert changed.status_code == 200, changed.content
    assert [(row["id"], row["quantity"]) for row in changed.json()["items"]] == [(first.pk, 5), (second.pk, 3)]
