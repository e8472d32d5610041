"""The inventory admin: warehouses and locations, transactions and their actions, balances, devices, rules."""

import re
from html import unescape

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages

from inventory.models import Device, DeviceStatus, Location, StockBalance, StockInStatusRule, WarehouseTransaction
from inventory.resources import DeviceResource
from inventory.services.devices import block_device, unblock_device
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import LocationFactory, WarehouseFactory, stock_in_devices

pytestmark = pytest.mark.django_db

TXN_URL = "/admin/inventory/warehousetransaction/"
DEVICE_URL = "/admin/inventory/device/"


def inline(prefix: str, rows: list[dict], *, initial: int = 0) -> dict:
    """The management form and the rows of one inline, as the browser posts them."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    return data


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def run_action(client, url: str, action: str, objects) -> list[tuple[str, str]]:
    response = client.post(url, {"action": action, "_selected_action": [obj.pk for obj in objects]}, follow=True)
    assert response.status_code == 200
    return messages_of(response)


def draft(business, warehouse, product, quantity=1, **header) -> WarehouseTransaction:
    lines = [LineInput(product=product, quantity=quantity)]
    return create_transaction(business=business, kind="stock_in", warehouse=warehouse, lines=lines, **header)


def posted(business, warehouse, product, quantity=1, **header) -> WarehouseTransaction:
    return post_transaction(transaction=draft(business, warehouse, product, quantity, **header))


def form_errors(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    texts = [str(error) for errors in response.context["adminform"].form.errors.values() for error in errors]
    for formset in response.context["inline_admin_formsets"]:
        texts += [str(error) for error in formset.formset.non_form_errors()]
        texts += [str(error) for form in formset.formset.errors for errors in form.values() for error in errors]
    assert texts, "the form came back without errors"
    return " | ".join(texts)


# ---------------------------------------------------------------- warehouses and locations


def test_a_warehouse_form_adds_its_locations(staff_client, business, warehouse):
    shelf = LocationFactory(business=business, warehouse=warehouse, name="Shelf A")
    data = {
        "name": warehouse.name,
        "kind": "own",
        **inline(
            "locations",
            [
                {"id": shelf.pk, "warehouse": warehouse.pk, "name": "Shelf A", "kind": "shelf", "parent": ""},
                {"warehouse": warehouse.pk, "name": "Van 7", "kind": "van", "parent": shelf.pk},
            ],
            initial=1,
        ),
    }

    response = staff_client.post(f"/admin/inventory/warehouse/{warehouse.pk}/change/", data)

    assert response.status_code == 302, form_errors(response)
    van = Location.objects.get(name="Van 7")
    assert (van.business, van.warehouse, van.parent, van.kind) == (business, warehouse, shelf, "van")


def test_a_new_warehouse_comes_with_its_locations(staff_client, business):
    data = {
        "name": "Partner depot",
        "kind": "partner",
        **inline("locations", [{"name": "Bay 1", "kind": "shelf", "parent": ""}]),
    }

    response = staff_client.post("/admin/inventory/warehouse/add/", data)

    assert response.status_code == 302, form_errors(response)
    bay = Location.objects.get(name="Bay 1")
    assert (bay.business, bay.warehouse.name, bay.warehouse.business) == (business, "Partner depot", business)


def test_a_location_whose_parent_is_in_another_warehouse_is_refused(staff_client, business, warehouse):
    elsewhere = LocationFactory(business=business, warehouse=WarehouseFactory(business=business))
    data = {"warehouse": warehouse.pk, "name": "Lost", "kind": "shelf", "parent": elsewhere.pk}

    response = staff_client.post("/admin/inventory/location/add/", data)

    assert "same warehouse" in form_errors(response)
    assert not Location.objects.filter(name="Lost").exists()


def test_locations_list_filters_by_warehouse_and_kind(staff_client, business, warehouse, other_business):
    second = WarehouseFactory(business=business, name="Depot B")
    LocationFactory(business=business, warehouse=warehouse, name="Shelf 1")
    LocationFactory(business=business, warehouse=second, name="Van 2", kind="van")
    LocationFactory(business=other_business, name="Their shelf")

    by_warehouse = staff_client.get(f"/admin/inventory/location/?warehouse__id__exact={second.pk}")
    by_kind = staff_client.get("/admin/inventory/location/?kind=van")
    page = staff_client.get("/admin/inventory/location/")

    assert [loc.name for loc in by_warehouse.context["cl"].result_list] == ["Van 2"]
    assert [loc.name for loc in by_kind.context["cl"].result_list] == ["Van 2"]
    assert b"Depot B" in page.content
    assert other_business.name.encode() not in page.content  # the filter lists only the business's warehouses


def test_a_location_in_use_cannot_be_deleted(staff_client, business, warehouse):
    parent = LocationFactory(business=business, warehouse=warehouse)
    LocationFactory(business=business, warehouse=warehouse, parent=parent)

    response = staff_client.post(f"/admin/inventory/location/{parent.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200  # Django's "cannot delete: protected objects" page
    assert Location.objects.filter(pk=parent.pk).exists()


# ---------------------------------------------------------------- warehouse transactions


def transaction_form(warehouse, lines: list[dict], **header) -> dict:
    values = {"kind": "stock_in", "purpose": "", "warehouse": warehouse.pk, "to_warehouse": "", "contact": ""}
    values.update({"reason": "", "reference": "", **header})
    line_rows = [{"location": "", "to_location": "", "serial_numbers": "", **line} for line in lines]
    return {**values, **inline("lines", line_rows), "_save": "Save"}


def test_adding_a_transaction_makes_a_draft_through_the_service(staff_client, owner, warehouse, box):
    data = transaction_form(
        warehouse, [{"product": box.pk, "quantity": "2", "serial_numbers": "S-1\nS-2"}], reference="DN-7"
    )

    response = staff_client.post(f"{TXN_URL}add/", data)

    assert response.status_code == 302, form_errors(response)
    txn = WarehouseTransaction.objects.get()
    assert (txn.state, txn.purpose, txn.reference, txn.created_by) == ("draft", "supplier", "DN-7", owner)
    assert [line.serial_numbers for line in txn.lines.all()] == [["S-1", "S-2"]]
    assert response["Location"] == f"{TXN_URL}"


def test_adding_a_transaction_with_bad_lines_or_header_writes_nothing(staff_client, warehouse, box, cable):
    wrong_count = transaction_form(warehouse, [{"product": box.pk, "quantity": "2", "serial_numbers": "S-1"}])
    no_reason = transaction_form(warehouse, [{"product": cable.pk, "quantity": "-1"}], kind="adjustment")

    assert "name 2 serial numbers" in form_errors(staff_client.post(f"{TXN_URL}add/", wrong_count))
    assert "needs a reason" in form_errors(staff_client.post(f"{TXN_URL}add/", no_reason))
    assert not WarehouseTransaction.objects.exists()


def test_a_drafts_lines_are_edited_and_a_posted_one_is_read_only(staff_client, business, warehouse, cable):
    editable = draft(business, warehouse, cable, 1)
    line = editable.lines.get()
    data = {
        **inline(
            "lines",
            [{"id": line.pk, "transaction": editable.pk, "product": cable.pk, "quantity": "6", "serial_numbers": ""}],
            initial=1,
        ),
        "_save": "Save",
    }
    closed = posted(business, warehouse, cable, 2)

    edited = staff_client.post(f"{TXN_URL}{editable.pk}/change/", data)
    read_only_page = staff_client.get(f"{TXN_URL}{closed.pk}/change/")
    refused = staff_client.post(f"{TXN_URL}{closed.pk}/change/", data)

    assert edited.status_code == 302, form_errors(edited)
    assert [line.quantity for line in editable.lines.all()] == [6]
    assert read_only_page.status_code == 200
    assert b'name="lines-0-quantity"' not in read_only_page.content
    assert b'name="_save"' not in read_only_page.content
    assert refused.status_code == 403
    assert [line.quantity for line in closed.lines.all()] == [2]


def test_only_drafts_can_be_deleted(staff_client, business, warehouse, cable):
    closed = posted(business, warehouse, cable)
    open_ = draft(business, warehouse, cable)

    assert staff_client.post(f"{TXN_URL}{closed.pk}/delete/", {"post": "yes"}).status_code == 403
    assert staff_client.post(f"{TXN_URL}{open_.pk}/delete/", {"post": "yes"}).status_code == 302
    assert list(WarehouseTransaction.objects.all()) == [closed]
    assert "delete_selected" not in staff_client.get(TXN_URL).content.decode()


def test_post_selected_drafts_reports_each_one(staff_client, business, warehouse, cable, contact):
    posted(business, warehouse, cable, 3)
    fine = draft(business, warehouse, cable, 2)
    too_much = create_transaction(
        business=business,
        kind="stock_out",
        warehouse=warehouse,
        contact=contact,
        lines=[LineInput(product=cable, quantity=10)],
    )
    already = posted(business, warehouse, cable, 1)

    messages = run_action(staff_client, TXN_URL, "post_drafts", [fine, too_much, already])

    assert ("success", f"Stock in #{fine.pk} posted.") in messages
    errors = [text for level, text in messages if level == "error"]
    assert len(errors) == 2
    assert any("10 wanted, 6 available" in text for text in errors)
    assert any("already posted" in text for text in errors)
    too_much.refresh_from_db()
    assert too_much.state == "draft"
    assert StockBalance.objects.get(warehouse=warehouse, product=cable).in_hand == 6


def test_reverse_selected_reports_each_one(staff_client, business, warehouse, cable):
    done = posted(business, warehouse, cable, 4)
    open_ = draft(business, warehouse, cable)

    messages = run_action(staff_client, TXN_URL, "reverse_selected", [done, open_])

    reversal = WarehouseTransaction.objects.get(reverses=done)
    assert ("success", f"Stock in #{done.pk} reversed by #{reversal.pk}.") in messages
    assert any(level == "error" and "is a draft" in text for level, text in messages)
    assert StockBalance.objects.get(warehouse=warehouse, product=cable).in_hand == 0


def test_transactions_list_filters_and_searches(staff_client, business, warehouse, box, cable):
    stock_in_devices(business, ["FIND-ME-1"], product=box)
    by_reference = draft(business, warehouse, cable, reference="PO-4711")
    draft(business, warehouse, cable, reference="PO-1")

    def listed(query: str) -> list[int]:
        response = staff_client.get(f"{TXN_URL}?{query}")
        assert response.status_code == 200
        return sorted(txn.pk for txn in response.context["cl"].result_list)

    serial_txn = WarehouseTransaction.objects.get(lines__serial_numbers__contains=["FIND-ME-1"])
    assert listed("q=find-me") == [serial_txn.pk]
    assert listed("q=4711") == [by_reference.pk]
    assert listed("state__exact=posted") == [serial_txn.pk]
    assert len(listed(f"kind__exact=stock_in&purpose__exact=supplier&warehouse__id__exact={warehouse.pk}")) == 3


# ---------------------------------------------------------------- stock balances


def test_stock_balances_are_a_read_only_list_with_derived_columns(staff_client, business, warehouse, box, cable):
    posted(business, warehouse, cable, 5)
    block_device(device=stock_in_devices(business, ["BAL-1", "BAL-2"], product=box)[0])

    page = staff_client.get("/admin/inventory/stockbalance/?o=-5")  # column 5 (from 0): available, descending
    balance = StockBalance.objects.get(product=box)

    assert page.status_code == 200
    assert [row.product for row in page.context["cl"].result_list] == [cable, box]
    assert [(row.available, row.ownership) for row in page.context["cl"].result_list] == [(5, 5), (1, 2)]
    assert staff_client.get("/admin/inventory/stockbalance/add/").status_code == 403
    assert staff_client.post(f"/admin/inventory/stockbalance/{balance.pk}/change/", {"in_hand": 99}).status_code == 403
    assert staff_client.get(f"/admin/inventory/stockbalance/{balance.pk}/history/").status_code == 200
    filtered = staff_client.get(
        f"/admin/inventory/stockbalance/?product__traceable__exact=1&warehouse__id__exact={warehouse.pk}"
    )
    assert [row.product for row in filtered.context["cl"].result_list] == [box]


# ---------------------------------------------------------------- devices


@pytest.fixture
def devices(business, box):
    return stock_in_devices(business, ["DEV-A", "DEV-B"], product=box)


def device_form(device, **changes) -> dict:
    values = {
        "electronic_id": device.electronic_id,
        "mac_address": device.mac_address,
        "platform": device.platform,
        "registration_token": device.registration_token,
        "wifi_status": device.wifi_status,
        "connectivity": device.connectivity,
        "status": device.status_id,
        "characteristics": "{}",
        "custom_fields": "{}",
        "_save": "Save",
    }
    return {**values, **changes}


def test_the_device_list_filters_and_searches(staff_client, business, devices):
    first, second = devices
    block_device(device=second)
    Device.objects.filter(pk=first.pk).update(mac_address="00:1A:2B:3C:4D:5E")  # a detail, no state

    def listed(query: str) -> list[str]:
        response = staff_client.get(f"{DEVICE_URL}?{query}")
        assert response.status_code == 200
        return sorted(device.serial_number for device in response.context["cl"].result_list)

    assert listed("state__exact=blocked") == ["DEV-B"]
    assert listed("q=4D:5E") == ["DEV-A"]
    assert listed("q=dev-b") == ["DEV-B"]
    assert listed("owner_type__exact=business") == ["DEV-A", "DEV-B"]
    assert listed(f"product__id__exact={first.product_id}&warehouse__id__exact={first.warehouse_id}") == [
        "DEV-A",
        "DEV-B",
    ]
    assert staff_client.get(f"{DEVICE_URL}add/").status_code == 403


def test_the_device_form_edits_details_through_the_service_and_never_the_state(staff_client, business, devices):
    device = devices[0]
    refurbished = DeviceStatus.objects.create(business=business, name="Refurbished", state="new")

    response = staff_client.post(
        f"{DEVICE_URL}{device.pk}/change/",
        device_form(device, mac_address="001a2b3c4d5e", status=refurbished.pk, state="sold"),
    )

    assert response.status_code == 302, form_errors(response)
    device.refresh_from_db()
    assert (device.mac_address, device.status, device.state) == ("00:1A:2B:3C:4D:5E", refurbished, "new")
    assert device.history.first().history_user is not None


def test_the_device_form_refuses_a_status_of_another_state_and_bad_details(staff_client, business, devices):
    device = devices[0]
    sold_status = DeviceStatus.objects.get(business=business, state="sold", is_default=True)

    wrong_status = staff_client.post(f"{DEVICE_URL}{device.pk}/change/", device_form(device, status=sold_status.pk))
    unknown_field = staff_client.post(f"{DEVICE_URL}{device.pk}/change/", device_form(device, custom_fields='{"x": 1}'))

    assert "Select a valid choice" in form_errors(wrong_status)
    assert "Unknown field" in form_errors(unknown_field)
    device.refresh_from_db()
    assert device.custom_fields == {}


def test_block_and_unblock_actions_report_each_device(staff_client, devices):
    first, second = devices

    blocked = run_action(staff_client, DEVICE_URL, "block", [first])
    again = run_action(staff_client, DEVICE_URL, "block", [first, second])
    unblocked = run_action(staff_client, DEVICE_URL, "unblock", [first, second])

    assert blocked == [("success", "Device DEV-A blocked.")]
    assert ("success", "Device DEV-B blocked.") in again
    assert any(level == "error" and "DEV-A" in text and "cannot be blocked" in text for level, text in again)
    assert sorted(unblocked) == [
        ("success", "Device DEV-A unblocked: new again."),
        ("success", "Device DEV-B unblocked: new again."),
    ]
    assert set(Device.objects.values_list("state", flat=True)) == {"new"}


def test_the_device_history_page_shows_each_state_change_newest_first(staff_client, devices):
    device = devices[0]
    block_device(device=device)
    unblock_device(device=Device.objects.get(pk=device.pk))

    page = staff_client.get(f"{DEVICE_URL}{device.pk}/history/")

    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page.content.decode())))
    changes = re.findall(r"State: (\w+) → (\w+)", text)
    assert page.status_code == 200 and changes == [("blocked", "new"), ("new", "blocked")]
    assert [record.state for record in page.context["page_obj"]] == ["new", "blocked", "new"]


def test_devices_cannot_be_deleted_in_the_admin(staff_client, devices):
    assert staff_client.post(f"{DEVICE_URL}{devices[0].pk}/delete/", {"post": "yes"}).status_code == 403
    assert Device.objects.count() == 2


# ---------------------------------------------------------------- stock-in status rules


def test_stock_in_rules_are_validated_in_the_admin(staff_client, business, warehouse, box):
    new_status = DeviceStatus.objects.get(business=business, state="new", is_default=True)
    sold_status = DeviceStatus.objects.get(business=business, state="sold", is_default=True)
    url = "/admin/inventory/stockinstatusrule/add/"

    wrong = staff_client.post(url, {"warehouse": warehouse.pk, "product": "", "status": sold_status.pk})
    no_scope = staff_client.post(url, {"warehouse": "", "product": "", "status": new_status.pk})
    good = staff_client.post(url, {"warehouse": "", "product": box.pk, "status": new_status.pk})

    assert "Select a valid choice" in form_errors(wrong)  # only statuses of new and used devices are offered
    assert "Scope the rule" in form_errors(no_scope)
    assert good.status_code == 302
    assert StockInStatusRule.objects.get().product == box


def test_every_inventory_page_renders(staff_client, business, warehouse, cable, devices):
    open_ = draft(business, warehouse, cable)
    closed = posted(business, warehouse, cable)
    location = LocationFactory(business=business, warehouse=warehouse)
    rule = StockInStatusRule.objects.create(
        business=business,
        warehouse=warehouse,
        status=DeviceStatus.objects.get(business=business, state="new", is_default=True),
    )
    pages = [
        f"{TXN_URL}",
        f"{TXN_URL}add/",
        f"{TXN_URL}{open_.pk}/change/",
        f"{TXN_URL}{closed.pk}/change/",
        f"{TXN_URL}{closed.pk}/history/",
        f"{DEVICE_URL}",
        f"{DEVICE_URL}{devices[0].pk}/change/",
        f"{DEVICE_URL}{devices[0].pk}/history/",
        "/admin/inventory/warehouse/",
        f"/admin/inventory/warehouse/{warehouse.pk}/change/",
        "/admin/inventory/location/",
        f"/admin/inventory/location/{location.pk}/change/",
        "/admin/inventory/stockbalance/",
        "/admin/inventory/stockinstatusrule/",
        "/admin/inventory/stockinstatusrule/add/",
        f"/admin/inventory/stockinstatusrule/{rule.pk}/change/",
        f"/admin/inventory/stockinstatusrule/{rule.pk}/history/",
    ]

    for page in pages:
        assert staff_client.get(page).status_code == 200, page


def test_device_export_screen_uses_the_import_file_shape(staff_client):
    response = staff_client.get("/admin/inventory/device/export/")

    assert response.status_code == 200
    assert "serial_number" in response.content.decode()
    assert admin.site._registry[Device].resource_classes == [DeviceResource]
