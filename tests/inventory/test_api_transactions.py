"""Warehouse transactions, stock balances and locations over the API (API.md "Inventory")."""

import pytest

from inventory.models import Device, Location, StockBalance, WarehouseTransaction
from inventory.selectors import stock_drift
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/warehouse-transactions/"


def counters(warehouse, product) -> dict:
    row = StockBalance.objects.filter(warehouse=warehouse, product=product).first()
    names = ("in_hand", "reserved", "blocked", "dispatched", "rented")
    return {name: getattr(row, name) if row else 0 for name in names}


def create(api, **payload):
    response = api.post(URL, payload)
    assert response.status_code == 201, response.json()
    return response.json()


def post(api, txn: dict):
    return api.post(f"{URL}{txn['id']}/post/")


def stock_in(api, warehouse, product, quantity, **line) -> dict:
    txn = create(
        api, kind="stock_in", warehouse=warehouse.pk, lines=[{"product": product.pk, "quantity": quantity, **line}]
    )
    assert post(api, txn).status_code == 200
    return txn


# ---------------------------------------------------------------- drafts


def test_a_new_transaction_is_a_draft_with_its_purpose_by_kind_and_moves_nothing(api, warehouse, cable):
    body = create(api, kind="stock_in", warehouse=warehouse.pk, lines=[{"product": cable.pk, "quantity": 10}])

    assert body["state"] == "draft"
    assert body["purpose"] == "supplier"
    assert body["reversed_by"] is None
    assert [(line["product"], line["quantity"], line["serial_numbers"]) for line in body["lines"]] == [
        (cable.pk, 10, [])
    ]
    assert counters(warehouse, cable)["in_hand"] == 0


def test_detail_shows_the_lines_with_their_serials(api, warehouse, box):
    shelf = LocationFactory(business=warehouse.business, warehouse=warehouse)
    txn = create(
        api,
        kind="stock_in",
        warehouse=warehouse.pk,
        reference="DN-1",
        lines=[{"product": box.pk, "quantity": 2, "serial_numbers": ["S1", "S2"], "location": shelf.pk}],
    )

    body = api.get(f"{URL}{txn['id']}/").json()

    assert body["reference"] == "DN-1"
    assert body["lines"][0]["serial_numbers"] == ["S1", "S2"]
    assert body["lines"][0]["location"] == shelf.pk


def test_service_rules_answer_400_with_the_field(api, warehouse, box, cable):
    adjustment = api.post(
        URL, {"kind": "adjustment", "warehouse": warehouse.pk, "lines": [{"product": cable.pk, "quantity": 1}]}
    )
    serials = api.post(
        URL,
        {
            "kind": "stock_in",
            "warehouse": warehouse.pk,
            "lines": [{"product": box.pk, "quantity": 2, "serial_numbers": ["A"]}],
        },
    )
    no_lines = api.post(URL, {"kind": "stock_in", "warehouse": warehouse.pk, "lines": []})
    wrong_purpose = api.post(
        URL,
        {
            "kind": "stock_in",
            "purpose": "sale",
            "warehouse": warehouse.pk,
            "lines": [{"product": cable.pk, "quantity": 1}],
        },
    )

    assert (adjustment.status_code, list(adjustment.json())) == (400, ["reason"])
    assert serials.status_code == 400
    assert "name 2 serial numbers" in serials.json()["lines"][0]
    assert no_lines.status_code == 400 and "lines" in no_lines.json()
    assert wrong_purpose.status_code == 400 and "purpose" in wrong_purpose.json()
    assert not WarehouseTransaction.objects.exists()


def test_another_businesses_product_warehouse_or_location_is_refused(api, warehouse, cable, other_business):
    their_product = ProductFactory(business=other_business, stockable=True)
    their_warehouse = WarehouseFactory(business=other_business)
    their_location = LocationFactory(business=other_business)

    foreign_product = api.post(
        URL, {"kind": "stock_in", "warehouse": warehouse.pk, "lines": [{"product": their_product.pk, "quantity": 1}]}
    )
    foreign_warehouse = api.post(
        URL, {"kind": "stock_in", "warehouse": their_warehouse.pk, "lines": [{"product": cable.pk, "quantity": 1}]}
    )
    foreign_location = api.post(
        URL,
        {
            "kind": "stock_in",
            "warehouse": warehouse.pk,
            "lines": [{"product": cable.pk, "quantity": 1, "location": their_location.pk}],
        },
    )

    assert foreign_product.status_code == 400
    assert "does not exist" in str(foreign_product.json()["lines"]["0"]["product"])
    assert foreign_warehouse.status_code == 400
    assert "does not exist" in str(foreign_warehouse.json()["warehouse"])
    assert foreign_location.status_code == 400
    assert "does not exist" in str(foreign_location.json()["lines"]["0"]["location"])
    assert not WarehouseTransaction.objects.exists()


def test_a_drafts_lines_are_replaced_by_put_and_patch(api, warehouse, cable, box):
    txn = create(api, kind="stock_in", warehouse=warehouse.pk, lines=[{"product": cable.pk, "quantity": 1}])

    put = api.put(f"{URL}{txn['id']}/", {"lines": [{"product": cable.pk, "quantity": 7}]})
    patch = api.patch(
        f"{URL}{txn['id']}/",
        {"lines": [{"product": cable.pk, "quantity": 2}, {"product": box.pk, "quantity": 1, "serial_numbers": ["P1"]}]},
    )
    no_lines = api.patch(f"{URL}{txn['id']}/", {"reason": "only the lines change"})

    assert put.status_code == 200 and [line["quantity"] for line in put.json()["lines"]] == [7]
    assert patch.status_code == 200
    assert [(line["quantity"], line["serial_numbers"]) for line in patch.json()["lines"]] == [(2, []), (1, ["P1"])]
    assert no_lines.status_code == 400 and "lines" in no_lines.json()
    assert WarehouseTransaction.objects.get().lines.count() == 2


def test_a_posted_transactions_lines_cannot_change(api, warehouse, cable):
    txn = stock_in(api, warehouse, cable, 3)

    response = api.patch(f"{URL}{txn['id']}/", {"lines": [{"product": cable.pk, "quantity": 30}]})

    assert response.status_code == 409
    assert "posted" in response.json()["detail"]
    assert [line.quantity for line in WarehouseTransaction.objects.get().lines.all()] == [3]
    assert counters(warehouse, cable)["in_hand"] == 3


def test_only_drafts_are_deleted(api, warehouse, cable):
    draft = create(api, kind="stock_in", warehouse=warehouse.pk, lines=[{"product": cable.pk, "quantity": 1}])
    posted = stock_in(api, warehouse, cable, 1)

    assert api.delete(f"{URL}{draft['id']}/").status_code == 204
    refused = api.delete(f"{URL}{posted['id']}/")

    assert refused.status_code == 409
    assert list(WarehouseTransaction.objects.values_list("pk", flat=True)) == [posted["id"]]


# ---------------------------------------------------------------- posting and reversal


def test_posting_applies_the_draft_and_posting_again_is_a_conflict(api, warehouse, box):
    txn = create(
        api,
        kind="stock_in",
        warehouse=warehouse.pk,
        lines=[{"product": box.pk, "quantity": 2, "serial_numbers": ["N1", "N2"]}],
    )

    first = post(api, txn)
    second = post(api, txn)

    assert first.status_code == 200
    assert first.json()["state"] == "posted" and first.json()["posted_at"]
    assert second.status_code == 409
    assert "already posted" in second.json()["detail"]
    assert counters(warehouse, box)["in_hand"] == 2
    assert sorted(Device.objects.values_list("serial_number", "state")) == [("N1", "new"), ("N2", "new")]
    assert stock_drift() == []


def test_a_refused_post_leaves_a_draft_and_the_balances_unchanged(api, warehouse, cable, contact):
    stock_in(api, warehouse, cable, 3)
    sale = create(
        api,
        kind="stock_out",
        warehouse=warehouse.pk,
        contact=contact.pk,
        lines=[{"product": cable.pk, "quantity": 4}],
    )

    response = post(api, sale)

    assert response.status_code == 409
    assert "4 wanted, 3 available" in response.json()["detail"]
    assert api.get(f"{URL}{sale['id']}/").json()["state"] == "draft"
    assert counters(warehouse, cable) == {"in_hand": 3, "reserved": 0, "blocked": 0, "dispatched": 0, "rented": 0}


def test_an_illegal_device_move_answers_409_and_changes_nothing(api, warehouse, box, contact):
    stock_in(api, warehouse, box, 1, serial_numbers=["R1"])
    return_of_unsold = create(
        api,
        kind="stock_in",
        purpose="return",
        warehouse=warehouse.pk,
        contact=contact.pk,
        lines=[{"product": box.pk, "quantity": 1, "serial_numbers": ["R1"]}],
    )

    response = post(api, return_of_unsold)

    assert response.status_code == 409
    assert Device.objects.get(serial_number="R1").state == "new"
    assert WarehouseTransaction.objects.get(pk=return_of_unsold["id"]).state == "draft"
    assert counters(warehouse, box)["in_hand"] == 1


def test_movement_between_warehouses(api, warehouse, second_warehouse, box):
    stock_in(api, warehouse, box, 1, serial_numbers=["M1"])
    bin_ = LocationFactory(business=warehouse.business, warehouse=second_warehouse)
    movement = create(
        api,
        kind="movement",
        warehouse=warehouse.pk,
        to_warehouse=second_warehouse.pk,
        lines=[{"product": box.pk, "quantity": 1, "serial_numbers": ["M1"], "to_location": bin_.pk}],
    )

    assert post(api, movement).status_code == 200
    device = Device.objects.get(serial_number="M1")
    assert (device.warehouse, device.location) == (second_warehouse, bin_)
    assert counters(warehouse, box)["in_hand"] == 0
    assert counters(second_warehouse, box)["in_hand"] == 1


def test_reversal_answers_201_with_a_posted_reversal_and_only_once(api, warehouse, cable):
    original = stock_in(api, warehouse, cable, 5)
    draft = create(api, kind="stock_in", warehouse=warehouse.pk, lines=[{"product": cable.pk, "quantity": 1}])

    reversal = api.post(f"{URL}{original['id']}/reverse/", {"reason": "Wrong delivery note"})
    again = api.post(f"{URL}{original['id']}/reverse/")
    of_a_draft = api.post(f"{URL}{draft['id']}/reverse/")

    assert reversal.status_code == 201
    body = reversal.json()
    assert (body["state"], body["reverses"], body["reason"]) == ("posted", original["id"], "Wrong delivery note")
    assert api.get(f"{URL}{original['id']}/").json()["reversed_by"] == body["id"]
    assert again.status_code == 409 and of_a_draft.status_code == 409
    assert counters(warehouse, cable)["in_hand"] == 0
    assert stock_drift() == []


# ---------------------------------------------------------------- lists


def test_list_filters_and_pagination(api, warehouse, second_warehouse, cable):
    stock_in(api, warehouse, cable, 2)
    create(api, kind="stock_in", warehouse=second_warehouse.pk, lines=[{"product": cable.pk, "quantity": 1}])
    create(
        api, kind="adjustment", warehouse=warehouse.pk, reason="Count", lines=[{"product": cable.pk, "quantity": -1}]
    )

    def ids(query):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return response.json()

    assert ids("state=draft")["count"] == 2
    assert ids("state=posted&kind=stock_in")["count"] == 1
    assert ids(f"warehouse={second_warehouse.pk}")["count"] == 1
    assert ids("purpose=adjustment")["results"][0]["kind"] == "adjustment"
    first_page = ids("page_size=2")
    assert (first_page["count"], len(first_page["results"])) == (3, 2)
    assert "page=2" in first_page["next"]
    assert api.get(f"{URL}?kind=teleport").status_code == 400


# ---------------------------------------------------------------- stock balances


def test_stock_balances_show_derived_counters_and_filter(api, warehouse, second_warehouse, cable, box):
    stock_in(api, warehouse, cable, 10)
    stock_in(api, second_warehouse, cable, 1)
    stock_in(api, warehouse, box, 2, serial_numbers=["B1", "B2"])
    api.post(f"/api/v1/devices/{Device.objects.get(serial_number='B1').pk}/block/")

    rows = api.get(f"/api/v1/stock-balances/?warehouse={warehouse.pk}&ordering=-available").json()["results"]
    one = api.get(f"/api/v1/stock-balances/?warehouse={warehouse.pk}&product={box.pk}").json()["results"]
    plenty = api.get("/api/v1/stock-balances/?min_available=2").json()["results"]

    assert [(row["product"], row["available"]) for row in rows] == [(cable.pk, 10), (box.pk, 1)]
    assert one == [
        {
            "id": one[0]["id"],
            "warehouse": warehouse.pk,
            "product": box.pk,
            "in_hand": 2,
            "reserved": 0,
            "blocked": 1,
            "available": 1,
            "dispatched": 0,
            "rented": 0,
            "ownership": 2,
        }
    ]
    assert [row["product"] for row in plenty] == [cable.pk]


def test_stock_balances_are_read_only(api, warehouse, cable):
    stock_in(api, warehouse, cable, 1)
    balance = StockBalance.objects.get()

    assert api.post("/api/v1/stock-balances/", {"warehouse": warehouse.pk, "product": cable.pk}).status_code == 405
    assert api.patch(f"/api/v1/stock-balances/{balance.pk}/", {"in_hand": 99}).status_code == 405
    assert api.delete(f"/api/v1/stock-balances/{balance.pk}/").status_code == 405
    balance.refresh_from_db()
    assert balance.in_hand == 1


# ---------------------------------------------------------------- locations


def test_a_location_tree_inside_a_warehouse(api, warehouse):
    van = api.post("/api/v1/locations/", {"warehouse": warehouse.pk, "name": "Van 1", "kind": "van"}).json()
    shelf = api.post("/api/v1/locations/", {"warehouse": warehouse.pk, "name": "Van 1 shelf", "parent": van["id"]})

    assert shelf.status_code == 201
    assert shelf.json() == {
        "id": shelf.json()["id"],
        "warehouse": warehouse.pk,
        "name": "Van 1 shelf",
        "kind": "shelf",
        "parent": van["id"],
    }
    roots = api.get(f"/api/v1/locations/?warehouse={warehouse.pk}&parent__isnull=true").json()["results"]
    assert [row["name"] for row in roots] == ["Van 1"]


def test_a_parent_stays_in_the_same_warehouse_and_the_tree_has_no_cycles(api, warehouse, second_warehouse):
    elsewhere = LocationFactory(business=warehouse.business, warehouse=second_warehouse)
    top = LocationFactory(business=warehouse.business, warehouse=warehouse)
    below = LocationFactory(business=warehouse.business, warehouse=warehouse, parent=top)

    across = api.post("/api/v1/locations/", {"warehouse": warehouse.pk, "name": "Across", "parent": elsewhere.pk})
    cycle = api.patch(f"/api/v1/locations/{top.pk}/", {"parent": below.pk})
    moved = api.patch(f"/api/v1/locations/{top.pk}/", {"warehouse": second_warehouse.pk})

    assert across.status_code == 400 and "same warehouse" in str(across.json()["parent"])
    assert cycle.status_code == 400 and "inside itself" in str(cycle.json()["parent"])
    assert moved.status_code == 400 and "warehouse" in moved.json()
    top.refresh_from_db()
    assert (top.parent, top.warehouse) == (None, warehouse)


def test_a_location_in_use_is_not_deleted(api, business, warehouse, box):
    parent = LocationFactory(business=business, warehouse=warehouse)
    LocationFactory(business=business, warehouse=warehouse, parent=parent)
    with_device = LocationFactory(business=business, warehouse=warehouse)
    stock_in(api, warehouse, box, 1, serial_numbers=["L1"], location=with_device.pk)
    empty = LocationFactory(business=business, warehouse=warehouse)

    assert api.delete(f"/api/v1/locations/{parent.pk}/").status_code == 409
    assert api.delete(f"/api/v1/locations/{with_device.pk}/").status_code == 409
    assert api.delete(f"/api/v1/locations/{empty.pk}/").status_code == 204
    assert Location.objects.count() == 3
