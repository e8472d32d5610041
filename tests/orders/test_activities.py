"""Activities of an order: added by staff, done or reopened through the service; completion waits for them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crmcom.core.exceptions import StateConflict
from orders.models import OrderActivity, OrderStatus, Stage
from orders.services.activities import (
    add_activity,
    change_activity,
    mark_activity_done,
    remove_activity,
    reopen_activity,
)
from orders.services.completion import complete_order
from orders.services.queues import create_queue
from orders.services.stages import move_stage
from tests.factories import ProductFactory, make_business, make_order
from tests.orders.admin_support import admin_messages, change_form_data, form_errors, inline_rows
from tests.orders.stock_support import fresh, move

pytestmark = pytest.mark.django_db


def service_order(business):
    """An order of one service (nothing to deliver), in the default queue's first stage."""
    setup = ProductFactory(business=business, kind="service", service_type="one_time", stockable=False)
    return make_order(business, items=[(setup, 1)])


def at_last_stage(order):
    for position in (2, 3, 4):
        move(order, position)
    return fresh(order)


def test_completion_is_refused_while_an_activity_is_open_and_allowed_once_done(business, owner):
    order = service_order(business)
    install = add_activity(order=order, name="Install", assignee=owner, user=owner)
    add_activity(order=order, name="Call back", user=owner)
    order = at_last_stage(order)

    with pytest.raises(StateConflict, match="Activities not done: Install, Call back."):
        complete_order(order=order)
    mark_activity_done(activity=install, user=owner)
    with pytest.raises(StateConflict, match="Activities not done: Call back.$"):
        complete_order(order=order)
    assert fresh(order).status == OrderStatus.IN_PROGRESS

    mark_activity_done(activity=OrderActivity.objects.get(order=order, name="Call back"), user=owner)
    assert complete_order(order=order).status == OrderStatus.COMPLETED


def test_done_and_reopen_record_who_and_when_and_refuse_twice(business, owner):
    activity = add_activity(order=service_order(business), name="Inspect", user=owner)

    done = mark_activity_done(activity=activity, user=owner)
    with pytest.raises(StateConflict, match="done already"):
        mark_activity_done(activity=activity, user=owner)
    assert (done.done_by, done.is_done) == (owner, True)

    reopened = reopen_activity(activity=activity, user=owner)
    with pytest.raises(StateConflict, match="nothing to reopen"):
        reopen_activity(activity=activity, user=owner)
    assert (reopened.done_at, reopened.done_by) == (None, None)
    history = list(activity.history.order_by("history_id").values_list("done_by", "history_user"))
    assert history == [(None, owner.pk), (owner.pk, owner.pk), (None, owner.pk)]


def test_a_closed_orders_activities_do_not_change(business, owner):
    order = service_order(business)
    activity = add_activity(order=order, name="Install")
    mark_activity_done(activity=activity)
    complete_order(order=at_last_stage(order))

    for change in (
        lambda: add_activity(order=order, name="Late"),
        lambda: reopen_activity(activity=activity),
        lambda: change_activity(activity=activity, name="Renamed"),
        lambda: remove_activity(activity=activity),
    ):
        with pytest.raises(StateConflict, match="completed: its activities stay"):
            change()
    assert [(row.name, row.is_done) for row in OrderActivity.objects.all()] == [("Install", True)]


def test_a_name_and_an_assignee_of_the_business_are_required(business, other_business):
    stranger = make_business("Elsewhere")[1]

    with pytest.raises(ValidationError) as refused:
        add_activity(order=service_order(business), name="  ", assignee=stranger)

    assert set(refused.value.message_dict) == {"name", "assignee"}
    assert not OrderActivity.objects.exists()


def test_an_activity_is_renamed_reassigned_and_redated_the_rest_left_as_it_is(business, owner):
    due = timezone.now() + datetime.timedelta(days=2)
    activity = add_activity(order=service_order(business), name="Install", assignee=owner, user=owner)

    renamed = change_activity(activity=activity, name="  Install the router ", user=owner)
    redated = change_activity(activity=activity, assignee=None, due_at=due, user=owner)

    assert (renamed.name, renamed.assignee, renamed.due_at) == ("Install the router", owner, None)
    stored = OrderActivity.objects.get(pk=activity.pk)
    assert (
        (stored.name, stored.assignee, stored.due_at)
        == ("Install the router", None, due)
        == (
            redated.name,
            redated.assignee,
            redated.due_at,
        )
    )
    assert stored.history.count() == 3 and stored.history.first().history_user == owner


def test_a_change_is_checked_as_an_addition_is(business):
    stranger = make_business("Elsewhere")[1]
    activity = add_activity(order=service_order(business), name="Install")

    with pytest.raises(ValidationError) as refused:
        change_activity(activity=activity, name=" ", assignee=stranger)

    assert set(refused.value.message_dict) == {"name", "assignee"}
    stored = OrderActivity.objects.get(pk=activity.pk)
    assert (stored.name, stored.assignee) == ("Install", None)


def test_an_activity_is_removed_only_while_not_done(business, owner):
    order = service_order(business)
    open_one = add_activity(order=order, name="Call back")
    done_one = mark_activity_done(activity=add_activity(order=order, name="Install"))

    remove_activity(activity=open_one, user=owner)
    with pytest.raises(StateConflict, match="“Install” is done: it stays"):
        remove_activity(activity=done_one, user=owner)

    assert list(OrderActivity.objects.filter(order=order).values_list("name", flat=True)) == ["Install"]
    assert OrderActivity.history.filter(id=open_one.pk).latest("history_id").history_type == "-"


# API


def test_api_creates_lists_and_marks_activities_done_and_reopens_them(api, business, owner):
    order = service_order(business)
    url = f"/api/v1/orders/{order.pk}/activities/"
    due = (timezone.now() + datetime.timedelta(days=1)).isoformat()

    created = api.post(url, {"name": "Install", "assignee": owner.pk, "due_at": due}, format="json")
    assert created.status_code == 201, created.content
    activity_id = created.json()["id"]
    done = api.post(f"{url}{activity_id}/done/")
    again = api.post(f"{url}{activity_id}/done/")
    listed = api.get(url).json()
    reopened = api.post(f"{url}{activity_id}/reopen/")

    assert (created.json()["assignee"], created.json()["is_done"]) == (owner.pk, False)
    assert done.status_code == 200 and (done.json()["is_done"], done.json()["done_by"]) == (True, owner.pk)
    assert again.status_code == 409 and "detail" in again.json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == activity_id and listed["results"][0]["is_done"]
    assert reopened.status_code == 200 and reopened.json()["done_at"] is None


def test_api_changes_and_removes_an_activity(api, business, owner):
    order = service_order(business)
    activity = add_activity(order=order, name="Install")
    url = f"/api/v1/orders/{order.pk}/activities/{activity.pk}/"
    due = timezone.now() + datetime.timedelta(days=1)

    changed = api.patch(url, {"name": "Install router", "assignee": owner.pk, "due_at": due.isoformat()}, format="json")
    removed = api.delete(url)

    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["assignee"], changed.json()["id"]) == (
        "Install router",
        owner.pk,
        activity.pk,
    )
    assert datetime.datetime.fromisoformat(changed.json()["due_at"]) == due
    assert removed.status_code == 204
    assert not OrderActivity.objects.filter(pk=activity.pk).exists()


def test_api_refuses_a_bad_change_with_400_and_a_done_removal_or_a_closed_order_with_409(api, business):
    stranger = make_business("Elsewhere")[1]
    order = service_order(business)
    activity = mark_activity_done(activity=add_activity(order=order, name="Install"))
    url = f"/api/v1/orders/{order.pk}/activities/{activity.pk}/"

    bad = api.patch(url, {"name": "", "assignee": stranger.pk}, format="json")
    done = api.delete(url)
    complete_order(order=at_last_stage(order))
    closed = api.patch(url, {"name": "Late"}, format="json")

    assert bad.status_code == 400 and set(bad.json()) == {"name", "assignee"}
    assert done.status_code == 409 and "is done" in done.json()["detail"]
    assert closed.status_code == 409 and "its activities stay" in closed.json()["detail"]
    assert OrderActivity.objects.get(pk=activity.pk).name == "Install"


def test_api_refuses_a_foreign_assignee_and_a_missing_name_with_field_errors(api, business):
    order = service_order(business)
    stranger = make_business("Elsewhere")[1]

    response = api.post(f"/api/v1/orders/{order.pk}/activities/", {"assignee": stranger.pk}, format="json")

    assert response.status_code == 400 and set(response.json()) == {"name", "assignee"}
    assert not OrderActivity.objects.exists()


def test_api_another_business_order_or_another_orders_activity_is_404(api, business, other_business):
    theirs = service_order(other_business)
    their_activity = add_activity(order=theirs, name="Theirs")
    mine = service_order(business)

    assert api.get(f"/api/v1/orders/{theirs.pk}/activities/").status_code == 404
    assert api.post(f"/api/v1/orders/{theirs.pk}/activities/", {"name": "x"}).status_code == 404
    assert api.post(f"/api/v1/orders/{theirs.pk}/activities/{their_activity.pk}/done/").status_code == 404
    assert api.post(f"/api/v1/orders/{mine.pk}/activities/{their_activity.pk}/done/").status_code == 404
    assert api.patch(f"/api/v1/orders/{theirs.pk}/activities/{their_activity.pk}/", {"name": "x"}).status_code == 404
    assert api.delete(f"/api/v1/orders/{mine.pk}/activities/{their_activity.pk}/").status_code == 404
    assert fresh(theirs).activities.get().name == "Theirs"
    assert fresh(theirs).activities.get().done_at is None


def test_api_activity_list_query_count_is_flat(api, business, owner, django_assert_max_num_queries):
    order = service_order(business)
    url = f"/api/v1/orders/{order.pk}/activities/"
    add_activity(order=order, name="First", assignee=owner)
    with CaptureQueriesContext(connection) as one_row:
        api.get(f"{url}?page_size=1")
    for n in range(30):
        mark_activity_done(activity=add_activity(order=order, name=f"Step {n}", assignee=owner), user=owner)

    with django_assert_max_num_queries(len(one_row)):
        response = api.get(f"{url}?page_size=50")

    assert len(response.json()["results"]) == 31


# Admin


def test_admin_inline_adds_marks_done_and_reopens_through_the_service(staff_client, business, owner):
    order = service_order(business)
    reopen_me = mark_activity_done(activity=add_activity(order=order, name="Inspect"), user=owner)
    finish_me = add_activity(order=order, name="Call back")
    url = f"/admin/orders/order/{order.pk}/change/"
    page = staff_client.get(url)
    data = change_form_data(page)
    data.pop("activities-0-done")  # Inspect: unticked, reopened
    data.update(
        {
            "activities-1-done": "on",  # Call back: done
            "activities-TOTAL_FORMS": "3",
            "activities-2-name": "Install",
            "activities-2-assignee": str(owner.pk),
            "activities-2-done": "on",
            "activities-2-order": str(order.pk),
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, admin_messages(response)
    assert OrderActivity.objects.get(pk=reopen_me.pk).done_at is None
    assert OrderActivity.objects.get(pk=finish_me.pk).done_by == owner
    install = OrderActivity.objects.get(order=order, name="Install")
    assert (install.assignee, install.done_by, install.created_by) == (owner, owner, owner)


def test_admin_inline_changes_and_deletes_through_the_service(staff_client, business, owner):
    order = service_order(business)
    change_me = add_activity(order=order, name="Install")
    delete_me = add_activity(order=order, name="Call back")
    url = f"/admin/orders/order/{order.pk}/change/"
    data = change_form_data(staff_client.get(url))
    data.update({"activities-0-name": "Install router", "activities-0-assignee": str(owner.pk)})
    data["activities-1-DELETE"] = "on"

    response = staff_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    changed = OrderActivity.objects.get(pk=change_me.pk)
    assert (changed.name, changed.assignee, changed.history.first().history_user) == ("Install router", owner, owner)
    assert not OrderActivity.objects.filter(pk=delete_me.pk).exists()


def test_admin_refuses_deleting_a_done_activity_and_keeps_what_was_typed(staff_client, business, owner):
    order = service_order(business)
    rename_me = add_activity(order=order, name="Install")
    done = mark_activity_done(activity=add_activity(order=order, name="Call back"), user=owner)
    url = f"/admin/orders/order/{order.pk}/change/"
    data = change_form_data(staff_client.get(url))
    data.update({"activities-0-name": "Install router", "activities-1-DELETE": "on"})

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert form_errors(response) == ["“Call back” is done: it stays (reopen it first to remove it)."]
    assert inline_rows(response, "activities")[0]["name"] == "Install router"  # as typed
    assert OrderActivity.objects.get(pk=rename_me.pk).name == "Install"  # the rename before it rolled back
    assert OrderActivity.objects.filter(pk=done.pk).exists()


def test_admin_inline_offers_only_the_business_staff_and_is_read_only_once_closed(staff_client, business, owner):
    make_business("Elsewhere")
    order = service_order(business)
    url = f"/admin/orders/order/{order.pk}/change/"

    inline = next(s for s in staff_client.get(url).context["inline_admin_formsets"] if s.opts.model is OrderActivity)
    assert list(inline.formset.empty_form.fields["assignee"].queryset) == [owner]

    complete_order(order=at_last_stage(order))
    closed = next(s for s in staff_client.get(url).context["inline_admin_formsets"] if s.opts.model is OrderActivity)
    assert not closed.has_add_permission and not closed.has_change_permission and not closed.has_delete_permission


# Activities listed by a stage


def test_entering_a_stage_gives_the_order_its_activities_once(business, owner):
    queue = create_queue(
        business=business,
        name="Installs",
        stages=[
            Stage(name="Booked", position=1, activities=["Call the contact"]),
            Stage(name="On site", position=2, in_progress=True, activities=["Install", "Call the contact"]),
            Stage(name="Done", position=3),
        ],
    )
    order = make_order(business, queue=queue, items=[(service_order(business).items.get().product, 1)])
    assert list(order.activities.values_list("name", flat=True)) == ["Call the contact"]

    move_stage(order=order, stage=queue.stages.get(position=2), user=owner)
    move_stage(order=order, stage=queue.stages.get(position=1))
    move_stage(order=order, stage=queue.stages.get(position=2))

    assert list(order.activities.values_list("name", "created_by")) == [
        ("Call the contact", None),
        ("Install", owner.pk),
    ]


def test_a_stage_lists_distinct_named_activities(api, business):
    stages = [Stage(name="Booked", position=1, activities=["Install", " "])]

    with pytest.raises(ValidationError, match="#1 activities: A list of distinct activity names"):
        create_queue(business=business, name="Bad", stages=stages)
    body = {"name": "Installs", "stages": [{"name": "Booked", "position": 1, "activities": ["Install"]}]}
    created = api.post("/api/v1/queues/", body, format="json")
    refused = api.post(
        "/api/v1/queues/",
        {"name": "Other", "stages": [{**body["stages"][0], "activities": "Install"}]},
        format="json",
    )

    assert created.status_code == 201 and created.json()["stages"][0]["activities"] == ["Install"]
    assert refused.status_code == 400 and set(refused.json()) == {"stages"}


def test_the_order_page_shows_its_activities_in_a_flat_number_of_queries(
    staff_client, business, owner, django_assert_max_num_queries
):
    order = make_order(business)
    add_activity(order=order, name="Call", assignee=owner)
    page = f"/admin/orders/order/{order.pk}/change/"
    with django_assert_max_num_queries(200) as one:
        staff_client.get(page)
    baseline = len(one)
    for name in ("Install", "Check", "Survey"):
        add_activity(order=order, name=name, assignee=owner)

    with django_assert_max_num_queries(baseline):
        response = staff_client.get(page)

    rows = inline_rows(response, "activities")
    assert [row["assignee"] for row in rows] == [owner.pk] * 4
