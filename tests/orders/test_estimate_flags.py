"""Estimates keep what they were asked (use_wallet, use_account_credit) beside what came of it; billing shown."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from orders.models import Estimate, InvoicingModel, OrderItem, Queue
from orders.selectors.estimates import estimate_billing
from tests.factories import ProductFactory, give_credit, make_contact, make_estimate
from tests.orders.bundle_support import bundle, placed
from tests.orders.stock_support import goods

pytestmark = pytest.mark.django_db


def test_the_flags_are_stored_and_answered_even_when_nothing_came_of_them(api, business):
    contact = make_contact(business)  # an empty wallet, no credit
    give_credit(contact.account, Decimal("5.00"))
    body = {
        "contact": contact.pk,
        "supply_method": "delivery",
        "delivery_method": "courier",
        "address": {"postcode": "1010"},
        "items": [{"product": ProductFactory(business=business).pk, "quantity": 1}],
        "use_wallet": True,
    }

    response = api.post("/api/v1/orders/estimate/", body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["use_wallet"], data["wallet_funds"], data["use_account_credit"], data["account_credit"]) == (
        True,
        "0.00",
        False,
        "0.00",  # credit there, not asked for
    )
    estimate = Estimate.objects.get(estimation_id=data["estimation_id"])
    assert (estimate.use_wallet, estimate.use_account_credit) == (True, False)


def test_billing_names_the_default_queues_invoicing_model(business):
    estimate = make_estimate(business=business, use_account_credit=True)

    assert estimate_billing(estimate).invoicing_model == InvoicingModel.UPFRONT
    Queue.objects.filter(business=business).update(invoicing_model=InvoicingModel.PONR)
    assert estimate_billing(estimate).invoicing_model == InvoicingModel.PONR
    Queue.objects.filter(business=business).update(is_default=False)
    assert estimate_billing(estimate).invoicing_model is None
    assert estimate_billing(estimate).account == estimate.contact.account.pk


def test_earlier_estimates_get_the_flags_their_amounts_show(business):
    contact = make_contact(business)
    give_credit(contact.account, Decimal("5.00"))
    with_credit = make_estimate(business=business, contact=contact, use_account_credit=True)
    without = make_estimate(business=business)
    Estimate.objects.update(use_wallet=False, use_account_credit=False)  # as the rows were before the flags
    migration = importlib.import_module("orders.migrations.0002_order_item_bundles_and_estimate_flags")

    migration.flags_from_amounts(apps, None)

    assert Estimate.objects.get(pk=with_credit.pk).use_account_credit is True
    assert Estimate.objects.get(pk=without.pk).use_account_credit is False
    assert not Estimate.objects.filter(use_wallet=True).exists()


def test_the_admin_shows_estimates_flags_and_orders_components_under_their_bundle(staff_client, business):
    estimate = make_estimate(business=business, use_wallet=True)
    cable, other = goods(business, 10), goods(business, 10)
    kit = bundle(business, [(cable, 2)])
    order = placed(business, [(other, 1), (kit, 1)])

    listing = staff_client.get("/admin/orders/estimate/?use_wallet__exact=1")
    page = staff_client.get(f"/admin/orders/order/{order.pk}/change/")

    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == [estimate]
    assert page.status_code == 200
    inline = next(s for s in page.context["inline_admin_formsets"] if s.opts.model is OrderItem)
    shown = [(form.original.product_id, form.original.bundle_item_id) for form in inline]
    kit_item = OrderItem.objects.get(order=order, product=kit)
    assert shown == [(other.pk, None), (kit.pk, None), (cable.pk, kit_item.pk)]
