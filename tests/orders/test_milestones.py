"""Milestones: added and removed only while not reached, ad hoc ones invoiced (and paid) at once, never more than
the order total (under the order's lock, also when two requests race), and their API."""

import threading
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from crmcom.core.exceptions import StateConflict
from finance.models import Payment
from orders.models import InvoicingModel, Milestone, Order, OrderInvoice
from orders.services.milestones import add_milestone, remove_milestone
from orders.services.stages import move_stage
from tests.factories import make_business, make_order, make_stage
from tests.orders.admin_support import admin_messages, change_form_data, form_errors, inline_rows
from tests.orders.billing_support import account_balance, make_queue, no_drift, place, product, stages
from tests.orders.stock_support import stock_in

pytestmark = pytest.mark.django_db

D = Decimal


def milestone_queue(business):
    return make_queue(
        business,
        InvoicingModel.MILESTONES,
        [{"name": "Received"}, {"name": "Deposit", "milestone_percent": D("25")}, {"name": "Built"}, {"name": "Done"}],
    )


@pytest.fixture
def order(business):
    """An order of 36.00 (3 × 10.00 + 20 % tax) with a 9.00 Deposit milestone (25 %) at stage 2."""
    box = product(business, sku="BOX")
    stock_in(business, box, 5)
    return place(business, milestone_queue(business), [(box, 3)])


def test_a_milestone_sum_over_the_order_total_is_refused(order):
    add_milestone(order=order, name="Extra", amount="20.00", stage=stages(order.queue)[3])  # 9 + 20 = 29

    with pytest.raises(ValidationError) as refused:
        add_milestone(order=order, name="Too much", amount="7.01", stage=stages(order.queue)[4])

    assert "more than the order total of 36.00 EUR" in str(refused.value.message_dict["amount"])
    assert "at most 7.00 EUR is left" in str(refused.value.message_dict["amount"])
    add_milestone(order=order, name="Just enough", amount="7.00", stage=stages(order.queue)[4])
    assert sum(order.milestones.values_list("amount", flat=True)) == order.total


def test_a_percentage_is_of_the_order_total_rounded_half_up(business):
    box = product(business, sku="ODD", price="3.33")  # 3 × 3.33 = 9.99 + 2.00 tax = 11.99
    stock_in(business, box, 3)
    order = place(business, milestone_queue(business), [(box, 3)])

    deposit = order.milestones.get()
    extra = add_milestone(order=order, name="Third", percent="33.33", stage=stages(order.queue)[3])

    assert deposit.amount == D("3.00")  # 25 % of 11.99 = 2.9975
    assert extra.amount == D("4.00")  # 33.33 % of 11.99 = 3.996267
    with pytest.raises(ValidationError) as refused:
        add_milestone(order=order, name="Cents", amount="1.005", stage=stages(order.queue)[4])
    assert "amount" in refused.value.message_dict


def test_milestones_are_removed_only_while_not_reached(order):
    steps = stages(order.queue)
    planned = add_milestone(order=order, name="Later", amount="1.00", stage=steps[4])
    deposit = order.milestones.get(stage=steps[2])
    move_stage(order=order, stage=steps[2])

    with pytest.raises(StateConflict):
        remove_milestone(milestone=Milestone.objects.get(pk=deposit.pk))
    remove_milestone(milestone=planned)

    assert list(order.milestones.values_list("name", flat=True)) == ["Deposit"]


def test_a_milestone_goes_only_on_a_stage_ahead_without_one(order):
    steps = stages(order.queue)
    move_stage(order=order, stage=steps[3])

    for stage in (steps[2], steps[3]):
        with pytest.raises(ValidationError) as refused:
            add_milestone(order=order, name="Late", amount="1.00", stage=stage)
        assert "stage" in refused.value.message_dict
    add_milestone(order=order, name="Ahead", amount="1.00", stage=steps[4])
    with pytest.raises(ValidationError):
        add_milestone(order=order, name="Again", amount="1.00", stage=steps[4])


def test_an_ad_hoc_milestone_is_an_extra_payment_invoiced_and_paid_at_once(order):
    milestone = add_milestone(order=order, name="Extra payment", amount="4.00", payment_method="cash")

    assert milestone.is_ad_hoc and milestone.stage is None and milestone.reached_at is not None
    assert OrderInvoice.objects.get(invoice=milestone.invoice).reason == "milestone"
    milestone.invoice.refresh_from_db()
    assert (milestone.invoice.total, milestone.invoice.paid_total) == (D("4.00"), D("4.00"))
    assert Payment.objects.get(invoice=milestone.invoice).method == "cash"
    with pytest.raises(StateConflict):
        remove_milestone(milestone=milestone)
    assert account_balance(order) == D("0")  # invoiced 4.00, paid 4.00
    no_drift()


def test_milestones_are_for_open_orders_of_milestone_queues(business):
    upfront = make_order(business)
    with pytest.raises(StateConflict):
        add_milestone(order=upfront, name="No", amount="1.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_additions_cannot_both_squeeze_under_the_total():
    business, _ = make_business("Racers")
    box = product(business, sku="BOX")
    stock_in(business, box, 3)
    order = place(business, milestone_queue(business), [(box, 3)])  # 36.00, 9.00 planned: 27.00 left
    barrier = threading.Barrier(2)
    outcomes = []

    def add(amount):
        try:
            barrier.wait()
            add_milestone(order=Order.objects.get(pk=order.pk), name=f"Race {amount}", amount=amount)
            outcomes.append("added")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(amount,)) for amount in ("20.00", "15.00")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert sorted(outcomes) == ["added", "refused"]
    assert sum(Milestone.objects.filter(order=order).values_list("amount", flat=True)) <= order.total


# API


def test_api_lists_adds_and_removes_milestones(api, order):
    steps = stages(order.queue)
    url = f"/api/v1/orders/{order.pk}/milestones/"

    added = api.post(url, {"name": "Later", "percent": "10", "stage": steps[3].pk}, format="json")
    listed = api.get(url)

    assert added.status_code == 201, added.json()
    assert added.json()["amount"] == "3.60"
    assert [(m["name"], m["amount"], m["is_ad_hoc"]) for m in listed.json()["results"]] == [
        ("Deposit", "9.00", False),
        ("Later", "3.60", False),
    ]
    assert api.delete(f"{url}{added.json()['id']}/").status_code == 204
    assert not Milestone.objects.filter(pk=added.json()["id"]).exists()


def test_api_refuses_a_sum_over_the_total_with_400_and_a_reached_removal_with_409(api, order):
    url = f"/api/v1/orders/{order.pk}/milestones/"

    over = api.post(url, {"name": "Too much", "amount": "27.01"}, format="json")
    ad_hoc = api.post(url, {"name": "Extra", "amount": "2.00", "payment_method": "cash"}, format="json")
    reached = api.delete(f"{url}{ad_hoc.json()['id']}/")

    assert over.status_code == 400 and "more than the order total" in str(over.json()["amount"])
    assert ad_hoc.status_code == 201 and ad_hoc.json()["invoice_number"]
    assert reached.status_code == 409


def test_api_lists_the_order_invoices_with_their_credit_notes(api, order, django_assert_max_num_queries):
    from orders.services import billing

    move_stage(order=order, stage=stages(order.queue)[2])
    url = f"/api/v1/orders/{order.pk}/invoices/"
    with django_assert_max_num_queries(30) as captured:
        first = api.get(url)
    for amount in ("1.00", "2.00", "3.00"):
        add_milestone(order=order, name=f"More {amount}", amount=amount)
    billing.final_invoice(order=order)  # credits the four milestone invoices

    with django_assert_max_num_queries(len(captured)):
        response = api.get(url)

    body = response.json()["results"]
    assert [(row["reason"], row["total"], len(row["credit_notes"])) for row in first.json()["results"]] == [
        ("milestone", "9.00", 0),
    ]
    assert [(row["reason"], len(row["credit_notes"])) for row in body] == [("milestone", 1)] * 4 + [("final", 0)]


def test_api_another_business_order_is_404(api, other_business):
    theirs = make_order(other_business)

    assert api.get(f"/api/v1/orders/{theirs.pk}/milestones/").status_code == 404
    assert api.get(f"/api/v1/orders/{theirs.pk}/invoices/").status_code == 404
    assert api.post(f"/api/v1/orders/{theirs.pk}/milestones/", {"name": "x", "amount": "1"}).status_code == 404


def test_api_another_business_stage_does_not_exist(api, order, other_business):
    theirs = make_stage(business=other_business)

    response = api.post(
        f"/api/v1/orders/{order.pk}/milestones/", {"name": "x", "amount": "1", "stage": theirs.pk}, format="json"
    )

    assert response.status_code == 400
    assert "does not exist" in str(response.json()["stage"])
    assert list(order.milestones.values_list("name", flat=True)) == ["Deposit"]


def test_admin_offers_the_order_queue_stages_only(staff_client, order, business, other_business):
    mine_elsewhere, theirs = make_stage(business=business), make_stage(business=other_business)

    response = staff_client.get(f"/admin/orders/order/{order.pk}/change/")

    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == "milestones")
    offered = set(formset.empty_form.fields["stage"].queryset)
    assert offered == set(stages(order.queue).values())
    assert not {mine_elsewhere, theirs} & offered


# Admin


def test_admin_adds_and_removes_milestones_through_the_service(staff_client, order):
    url = f"/admin/orders/order/{order.pk}/change/"
    later = add_milestone(order=order, name="Later", amount="1.00", stage=stages(order.queue)[4])
    data = change_form_data(staff_client.get(url))
    data.update(
        {
            "milestones-TOTAL_FORMS": "3",
            "milestones-1-DELETE": "on",  # Later
            "milestones-2-name": "Extra",
            "milestones-2-amount": "2.50",
            "milestones-2-order": str(order.pk),
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["inline_admin_formsets"][-1].formset.errors
    assert not Milestone.objects.filter(pk=later.pk).exists()
    extra = Milestone.objects.get(order=order, name="Extra")
    assert extra.is_ad_hoc and extra.invoice.total == D("2.50")


def test_admin_refuses_milestones_over_the_total_and_rolls_the_whole_save_back(staff_client, order):
    url = f"/admin/orders/order/{order.pk}/change/"
    add_milestone(order=order, name="Later", amount="1.00", stage=stages(order.queue)[4])
    data = change_form_data(staff_client.get(url))
    data.update(
        {
            "milestones-TOTAL_FORMS": "3",
            "milestones-1-DELETE": "on",  # Later: removed first, then the addition is refused
            "milestones-2-name": "Too much",
            "milestones-2-amount": "27.01",
            "milestones-2-order": str(order.pk),
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200  # the page again, not a redirect nor a server error
    assert form_errors(response) == [
        "Milestones would total 36.01 EUR, more than the order total of 36.00 EUR: "
        "at most 27.00 EUR is left for milestones."
    ]
    assert "more than the order total of 36.00 EUR" in response.content.decode()
    rows = inline_rows(response, "milestones")
    assert (rows[1]["DELETE"], rows[2]["name"], rows[2]["amount"]) == (True, "Too much", "27.01")  # as typed
    assert admin_messages(response) == []
    assert list(order.milestones.values_list("name", flat=True)) == ["Deposit", "Later"]
    assert not LogEntry.objects.filter(object_id=str(order.pk)).exists()


def test_admin_refuses_removing_a_reached_milestone_and_writes_nothing(staff_client, order):
    url = f"/admin/orders/order/{order.pk}/change/"
    move_stage(order=order, stage=stages(order.queue)[2])  # Deposit reached, its invoice issued
    data = change_form_data(staff_client.get(url))
    data.update(
        {
            "milestones-TOTAL_FORMS": "2",
            "milestones-0-DELETE": "on",
            "milestones-1-name": "Extra",
            "milestones-1-amount": "2.50",
            "milestones-1-order": str(order.pk),
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert form_errors(response) == ["Milestone Deposit was reached: it stays (its invoice is issued)."]
    assert list(order.milestones.values_list("name", flat=True)) == ["Deposit"]
    assert OrderInvoice.objects.filter(order=order).count() == 1  # the Deposit's only


def add_in_admin(client, order, **row):
    """Post the order's change form with one new milestone row (`row`: its fields)."""
    url = f"/admin/orders/order/{order.pk}/change/"
    data = change_form_data(client.get(url))
    new = int(data["milestones-TOTAL_FORMS"])
    data["milestones-TOTAL_FORMS"] = str(new + 1)
    data.update({f"milestones-{new}-{name}": value for name, value in {**row, "order": order.pk}.items()})
    return client.post(url, data)


def test_admin_records_an_ad_hoc_milestones_payment_as_the_api_does(staff_client, order):
    response = add_in_admin(staff_client, order, name="Extra", amount="2.50", payment_method="cash")

    assert response.status_code == 302, admin_messages(response)
    extra = Milestone.objects.get(order=order, name="Extra")
    extra.invoice.refresh_from_db()
    assert (extra.invoice.total, extra.invoice.paid_total) == (D("2.50"), D("2.50"))
    assert Payment.objects.get(invoice=extra.invoice).method == "cash"


def test_admin_refuses_paying_a_stage_milestone_and_writes_nothing(staff_client, order):
    later = stages(order.queue)[4]

    response = add_in_admin(staff_client, order, name="Later", amount="1.00", stage=later.pk, payment_method="cash")

    assert response.status_code == 200
    assert form_errors(response) == ["Only ad hoc milestones are paid when added."]
    assert list(order.milestones.values_list("name", flat=True)) == ["Deposit"]


def test_api_milestone_list_has_a_flat_query_count(api, order, django_assert_max_num_queries):
    url = f"/api/v1/orders/{order.pk}/milestones/"
    with django_assert_max_num_queries(20) as one:
        api.get(url)
    baseline = len(one)  # now: every request clears the connection's query log
    for amount in ("1.00", "2.00", "3.00"):
        add_milestone(order=order, name=f"More {amount}", amount=amount)  # ad hoc: each with its invoice

    with django_assert_max_num_queries(baseline):
        response = api.get(url)

    assert [row["invoice_number"] is not None for row in response.json()["results"]] == [False, True, True, True]
