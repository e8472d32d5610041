"""Estimates choose the queue their orders go into; the billing they plan is that queue's."""

import pytest
from django.core.exceptions import ValidationError

from crmcom.core.exceptions import StateConflict
from finance.models import Invoice
from orders.models import Estimate, InvoicingModel, Milestone, Order, OrderInvoiceReason
from orders.selectors.estimates import default_queue
from orders.services.queues import delete_queue
from tests.factories import ProductFactory, make_contact, make_estimate
from tests.orders.billing_support import make_queue, stages

pytestmark = pytest.mark.django_db


def milestone_queue(business):
    return make_queue(
        business,
        InvoicingModel.MILESTONES,
        [{"milestone_percent": "30"}, {"in_progress": True}, {"milestone_percent": "50"}],
    )


def estimate_body(business, **fields):
    return {
        "contact": make_contact(business).pk,
        "supply_method": "delivery",
        "delivery_method": "courier",
        "address": {"postcode": "1010"},
        "items": [{"product": ProductFactory(business=business).pk, "quantity": 2}],
        **fields,
    }


def test_an_estimate_with_a_queue_places_its_order_there_billed_by_that_queues_model(api, business):
    queue = milestone_queue(business)

    estimated = api.post("/api/v1/orders/estimate/", estimate_body(business, queue=queue.pk), format="json")
    assert estimated.status_code == 201, estimated.content
    data = estimated.json()
    placed = api.post(
        "/api/v1/orders/", {"estimation_id": data["estimation_id"], "payment_method": "cash"}, format="json"
    )

    assert data["queue"] == queue.pk
    assert (data["billing"]["queue"], data["billing"]["invoicing_model"]) == (queue.pk, "milestones")
    assert placed.status_code == 201, placed.content
    order = Order.objects.get(pk=placed.json()["orders"][0]["id"])
    assert (order.queue, order.stage) == (queue, stages(queue)[1])
    reasons = list(Invoice.objects.filter(order_link__order=order).values_list("order_link__reason", flat=True))
    assert reasons == [OrderInvoiceReason.MILESTONE]  # the first stage's 30 %, no upfront invoice
    assert sorted(Milestone.objects.filter(order=order).values_list("amount", flat=True)) == [
        order.total * pct / 100 for pct in (30, 50)
    ]


def test_without_a_queue_the_estimate_plans_the_default_queue(api, business):
    data = api.post("/api/v1/orders/estimate/", estimate_body(business), format="json").json()

    assert data["queue"] is None
    default = default_queue(business.pk)
    assert (data["billing"]["queue"], data["billing"]["invoicing_model"]) == (default.pk, default.invoicing_model)


def test_a_foreign_or_unknown_queue_is_bad_input_and_nothing_is_stored(api, business, other_business):
    theirs = milestone_queue(other_business)

    foreign = api.post("/api/v1/orders/estimate/", estimate_body(business, queue=theirs.pk), format="json")
    unknown = api.post("/api/v1/orders/estimate/", estimate_body(business, queue=theirs.pk + 1000), format="json")

    assert foreign.status_code == unknown.status_code == 400
    assert set(foreign.json()) == set(unknown.json()) == {"queue"}
    assert not Estimate.objects.exists()


def test_the_service_refuses_another_businesses_queue(business, other_business):
    with pytest.raises(ValidationError) as refused:
        make_estimate(business=business, queue=milestone_queue(other_business))

    assert refused.value.message_dict == {"queue": ["Unknown for this business."]}
    assert not Estimate.objects.exists()


def test_a_queue_chosen_by_an_estimate_is_not_deleted(business):
    queue = milestone_queue(business)
    estimate = make_estimate(business=business, queue=queue)

    with pytest.raises(StateConflict, match="Estimates place their orders"):
        delete_queue(queue=queue)
    estimate.delete()
    delete_queue(queue=queue)


def test_the_admin_shows_the_estimates_queue(staff_client, business):
    queue = milestone_queue(business)
    estimate = make_estimate(business=business, queue=queue)

    page = staff_client.get(f"/admin/orders/estimate/{estimate.pk}/change/")
    listing = staff_client.get(f"/admin/orders/estimate/?queue__id__exact={queue.pk}")

    assert page.status_code == 200 and queue.name in page.content.decode()
    assert list(listing.context["cl"].result_list) == [estimate]
