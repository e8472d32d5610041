"""Warehouses of the business and of its B2B merchants: defaults, whose stock, API and admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts.models import Organisation, OrganisationKind
from crmcom.core.exceptions import StateConflict
from inventory.models import Warehouse
from inventory.selectors_warehouses import fulfilment_warehouse
from inventory.services.warehouses import save_warehouse
from tests.factories import (
    OrganisationFactory,
    WarehouseFactory,
    b2b_merchant,
    default_warehouse,
    merchant_warehouse,
    stock_in_devices,
)
from tests.inventory.test_admin_inventory import form_errors

pytestmark = pytest.mark.django_db


def own_organisation(business) -> Organisation:
    return Organisation.objects.get(business=business, kind=OrganisationKind.BUSINESS)


def errors_of(business, warehouse: Warehouse) -> dict:
    with pytest.raises(ValidationError) as error:
        save_warehouse(business=business, warehouse=warehouse)
    return error.value.message_dict


# ---------------------------------------------------------------- defaults


@pytest.mark.parametrize("of_merchant", [False, True], ids=["business", "merchant"])
def test_the_database_refuses_a_second_default(business, of_merchant):
    merchant = b2b_merchant(business) if of_merchant else None

    with pytest.raises(IntegrityError), transaction.atomic():
        Warehouse.objects.create(business=business, name="Second", organisation=merchant, is_default=True)


def test_the_business_and_each_merchant_have_a_default_of_their_own(business):
    first, second = b2b_merchant(business), b2b_merchant(business)

    defaults = Warehouse.objects.filter(business=business, is_default=True)

    assert {warehouse.organisation for warehouse in defaults} == {None, first, second}


@pytest.mark.parametrize("of_merchant", [False, True], ids=["business", "merchant"])
def test_a_second_default_is_refused_by_validation_naming_the_first(business, of_merchant):
    merchant = b2b_merchant(business) if of_merchant else None
    first = merchant_warehouse(merchant) if merchant else default_warehouse(business)

    errors = errors_of(business, Warehouse(name="Second", organisation=merchant, is_default=True))

    owner = merchant.name if merchant else "The business"
    assert errors == {"is_default": [f"{owner} has a default warehouse already: {first.name}."]}
    assert not Warehouse.objects.filter(name="Second").exists()


def test_the_business_default_stays_its_default_of_its_own_stock(business):
    merchant = b2b_merchant(business, warehouse=False)
    for change in ({"is_default": False}, {"organisation": merchant}):
        warehouse = default_warehouse(business)
        for field, value in change.items():
            setattr(warehouse, field, value)

        assert list(errors_of(business, warehouse)) == ["is_default"]
    assert default_warehouse(business).pk == Warehouse.objects.get(business=business, is_default=True).pk


# ---------------------------------------------------------------- whose stock


def test_only_a_b2b_merchant_of_the_business_holds_a_warehouse(business, other_business):
    plain = OrganisationFactory(business=business, kind=OrganisationKind.MERCHANT)
    foreign = b2b_merchant(other_business, warehouse=False)

    for organisation, message in ((plain, "Only a B2B merchant"), (foreign, "one of this business's")):
        errors = errors_of(business, Warehouse(name="Depot", organisation=organisation))
        assert list(errors) == ["organisation"] and message in errors["organisation"][0]
    assert not Warehouse.objects.filter(name="Depot").exists()


def test_whose_stock_a_warehouse_holds_changes_only_before_its_first_movement(business):
    merchant = b2b_merchant(business, warehouse=False)
    empty, stocked = WarehouseFactory(business=business), WarehouseFactory(business=business)
    stock_in_devices(business, ["SN-OWNED-1"], warehouse=stocked)

    empty.organisation = merchant
    save_warehouse(business=business, warehouse=empty)
    stocked.organisation = merchant

    assert "stock movements" in errors_of(business, stocked)["organisation"][0]
    assert Warehouse.objects.get(pk=empty.pk).organisation == merchant
    assert Warehouse.objects.get(pk=stocked.pk).organisation is None


# ---------------------------------------------------------------- fulfilment


def test_a_b2b_merchant_fulfils_from_its_default_the_others_from_the_business_default(business):
    merchant = b2b_merchant(business)
    WarehouseFactory(business=business, organisation=merchant)  # not its default
    plain = OrganisationFactory(business=business, kind=OrganisationKind.MERCHANT)

    assert fulfilment_warehouse(business=business, organisation=merchant) == merchant_warehouse(merchant)
    for organisation in (own_organisation(business), plain, None):
        assert fulfilment_warehouse(business=business, organisation=organisation) == default_warehouse(business)


def test_a_b2b_merchant_without_a_default_warehouse_is_a_conflict(business):
    merchant = b2b_merchant(business, warehouse=False)
    WarehouseFactory(business=business, organisation=merchant)  # one, but not the default

    with pytest.raises(StateConflict, match=f"^{merchant.name} has no default warehouse to fulfil orders from.$"):
        fulfilment_warehouse(business=business, organisation=merchant)


# ---------------------------------------------------------------- API


def test_api_adds_a_merchants_default_warehouse_and_filters_by_organisation(api, business):
    merchant = b2b_merchant(business, warehouse=False)

    created = api.post(
        "/api/v1/warehouses/",
        {"name": "Merchant depot", "kind": "partner", "organisation": merchant.pk, "is_default": True},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {**body, "organisation": merchant.pk, "is_default": True}
    assert merchant_warehouse(merchant).pk == body["id"]
    listed = api.get(f"/api/v1/warehouses/?organisation={merchant.pk}").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    own = api.get(f"/api/v1/warehouses/{default_warehouse(business).pk}/").json()
    assert (own["organisation"], own["is_default"]) == (None, True)


def test_api_refuses_another_businesss_organisation_and_a_second_default(api, business, other_business):
    mine, theirs = b2b_merchant(business), b2b_merchant(other_business, warehouse=False)

    foreign = api.post("/api/v1/warehouses/", {"name": "Depot", "organisation": theirs.pk}, format="json")
    second = api.post(
        "/api/v1/warehouses/", {"name": "Depot", "organisation": mine.pk, "is_default": True}, format="json"
    )

    assert foreign.status_code == 400 and list(foreign.json()) == ["organisation"]
    assert second.status_code == 400 and list(second.json()) == ["is_default"]
    assert not Warehouse.objects.filter(name="Depot").exists()


# ---------------------------------------------------------------- a second default made meanwhile


@pytest.fixture
def rival_made_default_meanwhile(monkeypatch, business):
    """A merchant without a default and its warehouse "Rival", which another request makes the merchant's default
    right after this request's validation passed (and before its write)."""
    merchant = b2b_merchant(business, warehouse=False)
    rival = WarehouseFactory(business=business, name="Rival", organisation=merchant, kind="partner")
    validate = Warehouse.full_clean

    def full_clean(self, *args, **kwargs):
        validate(self, *args, **kwargs)
        Warehouse.objects.filter(pk=rival.pk).update(is_default=True)  # the other request commits

    monkeypatch.setattr(Warehouse, "full_clean", full_clean)
    return merchant


def test_api_answers_a_default_made_meanwhile_as_the_validation_does(api, rival_made_default_meanwhile):
    merchant = rival_made_default_meanwhile

    response = api.post(
        "/api/v1/warehouses/", {"name": "Depot", "organisation": merchant.pk, "is_default": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"is_default": [f"{merchant.name} has a default warehouse already: Rival."]}
    assert not Warehouse.objects.filter(name="Depot").exists()


def test_admin_shows_a_default_made_meanwhile_on_its_field(staff_client, rival_made_default_meanwhile):
    merchant = rival_made_default_meanwhile
    data = {"name": "Depot", "kind": "partner", "organisation": merchant.pk, "is_default": "on"}
    data.update({"locations-TOTAL_FORMS": "0", "locations-INITIAL_FORMS": "0"})

    response = staff_client.post("/admin/inventory/warehouse/add/", data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"is_default": [f"{merchant.name} has a default warehouse already: Rival."]}
    assert form["name"].value() == "Depot"  # as typed
    assert not Warehouse.objects.filter(name="Depot").exists()


def test_a_violation_the_validation_cannot_see_names_the_field_with_the_constraints_message(monkeypatch, business):
    monkeypatch.setattr(Warehouse, "full_clean", lambda self, *args, **kwargs: None)  # passed before the rival won

    errors = errors_of(business, Warehouse(name="Second", is_default=True))

    assert errors == {"is_default": ["The business has a default warehouse already."]}
    assert not Warehouse.objects.filter(name="Second").exists()


def test_integrity_errors_of_no_constraint_of_the_model_pass_through(monkeypatch, business):
    monkeypatch.setattr(Warehouse, "full_clean", lambda self, *args, **kwargs: None)

    with pytest.raises(IntegrityError):  # NOT NULL: no named constraint
        save_warehouse(business=business, warehouse=Warehouse(name=None))


# ---------------------------------------------------------------- admin


def test_admin_offers_only_the_businesss_b2b_merchants(staff_client, business, other_business):
    mine = b2b_merchant(business, warehouse=False)
    OrganisationFactory(business=business, kind=OrganisationKind.MERCHANT)
    b2b_merchant(other_business, warehouse=False)

    form = staff_client.get("/admin/inventory/warehouse/add/").context["adminform"].form

    assert list(form.fields["organisation"].queryset) == [mine]


def test_admin_adds_a_merchants_warehouse_and_refuses_a_second_default(staff_client, business):
    merchant = b2b_merchant(business)
    data = {"name": "Overflow", "kind": "partner", "organisation": merchant.pk, "is_default": "on"}
    data.update({"locations-TOTAL_FORMS": "0", "locations-INITIAL_FORMS": "0"})

    refused = staff_client.post("/admin/inventory/warehouse/add/", data)
    added = staff_client.post("/admin/inventory/warehouse/add/", {**data, "is_default": ""})

    assert f"has a default warehouse already: {merchant_warehouse(merchant).name}" in form_errors(refused)
    assert added.status_code == 302
    assert Warehouse.objects.get(name="Overflow").organisation == merchant
    listed = staff_client.get(f"/admin/inventory/warehouse/?organisation__id__exact={merchant.pk}")
    assert {row.name for row in listed.context["cl"].result_list} == {merchant_warehouse(merchant).name, "Overflow"}


def test_admin_shows_the_business_default_and_its_owner_read_only(staff_client, business):
    merchant = b2b_merchant(business)
    own, theirs = default_warehouse(business), merchant_warehouse(merchant)

    own_form = staff_client.get(f"/admin/inventory/warehouse/{own.pk}/change/").context["adminform"].form
    their_form = staff_client.get(f"/admin/inventory/warehouse/{theirs.pk}/change/").context["adminform"].form

    assert {"organisation", "is_default"}.isdisjoint(own_form.fields)
    assert {"organisation", "is_default"} <= set(their_form.fields)
