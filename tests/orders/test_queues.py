"""Queues and their stages: the rules over the list, edits in place, deletes refused while orders use a stage."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crmcom.core.exceptions import StateConflict
from orders.models import Order, Queue, Stage
from orders.services.queues import create_queue, delete_queue, save_queue, set_default_queue
from orders.services.stages import move_stage
from tests.factories import make_order, make_queue
from tests.orders.stage_support import stages_of

pytestmark = pytest.mark.django_db


def two_stages(**second):
    return [Stage(name="Open", position=1), Stage(name="Done", position=2, **second)]


@pytest.mark.parametrize(
    ("stages", "fields", "field", "message"),
    [
        ([Stage(name="A", position=1), Stage(name="B", position=1)], {}, "stages", "position: 1 is used"),
        ([Stage(name="A", position=1), Stage(name="a", position=2)], {}, "stages", "“a” is used"),
        (
            [
                Stage(name="A", position=1, point_of_no_return=True),
                Stage(name="B", position=2, point_of_no_return=True),
            ],
            {},
            "stages",
            "one point of no return",
        ),
        (two_stages(milestone_percent=Decimal("10"), milestone_amount=Decimal("5")), {}, "stages", "not both"),
        (two_stages(invoice_at_ponr=True), {}, "stages", "Only the point of no return"),
        (
            [
                Stage(name="A", position=1, milestone_percent=Decimal("60")),
                Stage(name="B", position=2, milestone_percent=Decimal("50")),
            ],
            {},
            "stages",
            "more than 100",
        ),
        ([], {}, "stages", "at least one stage"),
        (two_stages(), {"is_device_plan": True}, "invoicing_model", "device plan"),
        (two_stages(), {"invoicing_model": "ponr"}, "invoicing_model", "point-of-no-return stage"),
    ],
    ids=[
        "positions",
        "names",
        "two-ponr",
        "percent-and-amount",
        "invoice-off-ponr",
        "over-100",
        "empty",
        "plan",
        "ponr",
    ],
)
def test_queue_rules_answer_with_field_errors_and_write_nothing(business, stages, fields, field, message):
    before = Queue.objects.count()

    with pytest.raises(ValidationError) as refused:
        create_queue(business=business, name="Plans", stages=stages, **fields)

    assert message in " ".join(refused.value.message_dict[field])
    assert Queue.objects.count() == before


def test_a_device_plan_with_milestones_is_accepted(business):
    queue = create_queue(
        business=business,
        name="Phone plan",
        is_device_plan=True,
        invoicing_model="milestones",
        stages=[
            Stage(name="Signed", position=1, milestone_percent=Decimal("40")),
            Stage(
                name="Paid off",
                position=2,
                milestone_amount=Decimal("60"),
                point_of_no_return=True,
                invoice_at_ponr=True,
            ),
        ],
    )
    assert list(queue.stages.values_list("name", "position")) == [("Signed", 1), ("Paid off", 2)]


def test_stages_are_reordered_renamed_and_the_ponr_moved_in_place(business):
    order = make_order(business)
    queue = order.queue
    stages = stages_of(order)
    stages[1].position, stages[2].position = 2, 1  # swap the first two
    stages[1].name, stages[2].name = stages[2].name, stages[1].name
    stages[3].point_of_no_return = False
    stages[4].point_of_no_return = True

    save_queue(business=business, queue=queue, stages=list(stages.values()))

    rows = list(queue.stages.order_by("position").values_list("pk", "name", "point_of_no_return"))
    assert rows == [
        (stages[2].pk, "Received", False),
        (stages[1].pk, "Preparing", False),
        (stages[3].pk, "Out for delivery", False),
        (stages[4].pk, "Delivered", True),
    ]
    assert Order.objects.get(pk=order.pk).stage_id == stages[1].pk  # the order kept its stage row


def test_a_stage_with_orders_cannot_be_deleted_and_an_unused_one_can(business):
    order = make_order(business)
    stages = stages_of(order)

    with pytest.raises(ValidationError) as refused:
        save_queue(business=business, queue=order.queue, stages=[stages[2], stages[3], stages[4]])
    assert "“Received” has 1 order(s) in it" in refused.value.message_dict["stages"][0]
    assert order.queue.stages.count() == 4

    save_queue(business=business, queue=order.queue, stages=[stages[1], stages[2], stages[3]])
    assert list(order.queue.stages.values_list("name", flat=True)) == ["Received", "Preparing", "Out for delivery"]


def test_a_stage_in_an_orders_history_cannot_be_deleted(business):
    queue = make_queue(business=business)
    order = make_order(business, queue=queue)
    first, second, third = queue.stages.order_by("position")
    move_stage(order=order, stage=third)  # “Approved” is skipped; “Open” stays in the history

    with pytest.raises(ValidationError) as refused:
        save_queue(business=business, queue=queue, stages=[second, third])
    assert "history" in refused.value.message_dict["stages"][0]


def test_exactly_one_default_queue(business):
    default = Queue.objects.get(business=business, is_default=True)
    other = make_queue(business=business)

    set_default_queue(queue=other)
    assert list(Queue.objects.filter(business=business, is_default=True)) == [other]

    third = make_queue(business=business, is_default=True)  # saving one as default takes the flag too
    assert list(Queue.objects.filter(business=business, is_default=True)) == [third]

    third.is_default = False
    with pytest.raises(ValidationError, match="Make another queue the default"):
        save_queue(business=business, queue=third)
    assert Queue.objects.get(pk=default.pk).is_default is False


def test_queues_with_orders_or_the_default_are_not_deleted(business):
    default = Queue.objects.get(business=business, is_default=True)
    used = make_queue(business=business)
    make_order(business, queue=used)
    unused = make_queue(business=business)

    with pytest.raises(StateConflict, match="default"):
        delete_queue(queue=default)
    with pytest.raises(StateConflict, match="has orders"):
        delete_queue(queue=used)
    delete_queue(queue=unused)

    assert set(Queue.objects.filter(business=business)) == {default, used}


# API ------------------------------------------------------------------------------------------------------


def test_api_creates_a_queue_with_its_stages(api, business):
    body = {
        "name": "Installations",
        "invoicing_model": "milestones",
        "stages": [
            {"name": "Booked", "position": 1, "milestone_percent": "30.00"},
            {
                "name": "Installed",
                "position": 2,
                "in_progress": True,
                "point_of_no_return": True,
                "invoice_at_ponr": True,
            },
            {"name": "Signed off", "position": 3, "milestone_amount": "25", "requires_approval": True},
        ],
    }

    response = api.post("/api/v1/queues/", body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert [stage["name"] for stage in data["stages"]] == ["Booked", "Installed", "Signed off"]
    assert data["stages"][2]["milestone_amount"] == "25.00"
    assert data["is_default"] is False
    assert Queue.objects.get(pk=data["id"]).business == business


def test_api_edits_stages_by_id_and_refuses_foreign_ids_and_used_stages(api, business, other_business):
    queue = Queue.objects.get(business=business, is_default=True)
    url = f"/api/v1/queues/{queue.pk}/"
    rows = api.get(url).json()["stages"]
    make_order(business)
    theirs = Queue.objects.get(business=other_business, is_default=True).stages.first()

    rows[1]["name"] = "Packing"
    renamed = api.patch(url, {"stages": rows}, format="json")
    foreign = api.patch(url, {"stages": [*rows, {**rows[0], "id": theirs.pk, "position": 9}]}, format="json")
    dropped = api.patch(url, {"stages": rows[1:]}, format="json")

    assert renamed.status_code == 200 and renamed.json()["stages"][1]["name"] == "Packing"
    assert foreign.status_code == 400 and "not a stage of this queue" in str(foreign.json()["stages"])
    assert dropped.status_code == 400 and "order(s) in it" in str(dropped.json()["stages"])
    assert queue.stages.count() == 4
    assert theirs.name != "Packing" and Stage.objects.get(pk=theirs.pk).queue.business == other_business


def test_api_refuses_a_second_ponr_with_a_field_error(api, business):
    queue = Queue.objects.get(business=business, is_default=True)
    rows = api.get(f"/api/v1/queues/{queue.pk}/").json()["stages"]
    rows[3]["point_of_no_return"] = True

    response = api.put(f"/api/v1/queues/{queue.pk}/", {"name": queue.name, "stages": rows}, format="json")

    assert response.status_code == 400
    assert "one point of no return" in str(response.json()["stages"])


def test_api_make_default_and_delete(api, business):
    queue = make_queue(business=business)
    spare = make_queue(business=business)

    assert api.post(f"/api/v1/queues/{queue.pk}/make-default/").json()["is_default"] is True
    assert api.delete(f"/api/v1/queues/{queue.pk}/").status_code == 409
    assert api.delete(f"/api/v1/queues/{spare.pk}/").status_code == 204
    assert api.get("/api/v1/queues/?is_default=true").json()["results"][0]["id"] == queue.pk


def test_api_queue_list_query_count_is_flat(api, business, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/queues/?page_size=1")
    for _ in range(10):
        make_queue(business=business)

    with django_assert_max_num_queries(len(one)):
        response = api.get("/api/v1/queues/?page_size=50")
    assert len(response.json()["results"]) == 11
    assert all(len(row["stages"]) >= 3 for row in response.json()["results"])
