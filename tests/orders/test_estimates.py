"""Estimates: who fulfils, the breakdown, credit and wallet, charges, expiry and the API's shape."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import Organisation, OrganisationKind
from crmcom.core.exceptions import StateConflict
from finance.models import ProductKind, ProductPrice
from orders.models import ChargeKind, Estimate, FulfilmentCharge, FulfilmentPolicy
from orders.selectors.fulfilment import haversine_km
from orders.services.placement import place_orders
from orders.tasks import delete_expired_order_estimates
from tests.factories import (
    OrganisationFactory,
    ProductFactory,
    b2b_merchant,
    give_credit,
    make_contact,
    make_estimate,
)
from wallets.services.balances import credit_wallet

NICOSIA = (Decimal("35.185566"), Decimal("33.382276"))
LIMASSOL = (Decimal("34.707130"), Decimal("33.022617"))
NICOSIA_ADDRESS = {"line1": "1 Main St", "city": "Nicosia", "postcode": "9999", "lat": "35.17", "lon": "33.36"}
LIMASSOL_ADDRESS = {"line1": "2 Sea Rd", "city": "Limassol", "postcode": "3036", "lat": "34.68", "lon": "33.04"}


def own_organisation(business) -> Organisation:
    return Organisation.objects.get(business=business, kind=OrganisationKind.BUSINESS)


def policy(organisation, **fields) -> FulfilmentPolicy:
    fields.setdefault("supply_methods", ["delivery", "pick_up", "direct_sale"])
    fields.setdefault("delivery_methods", ["courier", "direct_delivery"])
    return FulfilmentPolicy.objects.create(business_id=organisation.business_id, organisation=organisation, **fields)


def located(organisation, lat_lon) -> Organisation:
    organisation.lat, organisation.lon = lat_lon
    organisation.save()
    return organisation


def priced(business, amount: str, tax_rate: str = "20", **fields):
    product = ProductFactory(business=business, tax_rate=Decimal(tax_rate), **fields)
    ProductPrice.objects.filter(product=product).update(amount=Decimal(amount))
    return product


# ------------------------------------------------------------------ haversine


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((48.8566, 2.3522), (51.5074, -0.1278), Decimal("343.6")),  # Paris – London
        ((40.7128, -74.0060), (34.0522, -118.2437), Decimal("3935.8")),  # New York – Los Angeles
        ((0, 0), (1, 0), Decimal("111.2")),  # one degree of latitude
        ((0, 0), (0, 180), Decimal("20015.1")),  # half the circumference
    ],
)
def test_haversine_matches_known_distances(a, b, km):
    distance = haversine_km(*a, *b)
    assert isinstance(distance, Decimal)
    assert abs(distance - km) < Decimal("0.5")
    assert haversine_km(*b, *a) == distance


def test_haversine_of_one_point_is_zero():
    assert haversine_km(*NICOSIA, *NICOSIA) == 0


# ------------------------------------------------------------------ breakdown


@pytest.mark.django_db
def test_breakdown_spreads_the_ad_hoc_discount_and_rounds_each_line_half_up(business):
    boxes = priced(business, "10.00")
    cable = priced(business, "3.33")

    estimate = make_estimate(business=business, items=[(boxes, 3), (cable, 1)], discount="5")

    # discount 5 over 30.00 and 3.33: 4.50 (5 × 30 / 33.33 = 4.50045) and the remaining 0.50
    lines = estimate.groups[0]["items"]
    assert [line["discount"] for line in lines] == ["4.50", "0.50"]
    assert [line["net"] for line in lines] == ["25.50", "2.83"]
    assert [line["tax"] for line in lines] == ["5.10", "0.57"]  # 2.83 × 20 % = 0.566
    assert estimate.total_before_discounts == Decimal("33.33")
    assert estimate.discounts == Decimal("5.00")
    assert estimate.net == Decimal("28.33")
    assert estimate.tax == Decimal("5.67")
    assert estimate.total == Decimal("34.00")
    assert estimate.amount_due == estimate.total
    assert abs(estimate.expires_at - estimate.created_at - datetime.timedelta(hours=2)) < datetime.timedelta(seconds=1)


@pytest.mark.django_db
def test_tax_rounds_half_up_not_to_even(business):
    token = priced(business, "1.25", tax_rate="10")
    estimate = make_estimate(business=business, items=[(token, 1)])
    assert estimate.tax == Decimal("0.13")  # 0.125: half-up, where banker's rounding would give 0.12


@pytest.mark.django_db
def test_a_discount_beyond_the_items_price_is_refused(business):
    with pytest.raises(ValidationError) as error:
        make_estimate(business=business, items=[(priced(business, "10.00"), 1)], discount="10.01")
    assert "discount" in error.value.message_dict


@pytest.mark.django_db
def test_account_credit_then_wallet_funds_then_amount_due(business):
    contact = make_contact(business)
    give_credit(contact.account, Decimal("30.00"))
    credit_wallet(wallet=contact.wallet, amount="50", currency="EUR", reason="Top-up")
    product = priced(business, "50.00")  # 2 × 50 + 20 % = 120.00

    estimate = make_estimate(
        business=business, contact=contact, items=[(product, 2)], use_account_credit=True, use_wallet=True
    )
    plain = make_estimate(business=business, contact=contact, items=[(product, 2)])

    assert (estimate.total, estimate.account_credit, estimate.wallet_funds, estimate.amount_due) == (
        Decimal("120.00"),
        Decimal("30.00"),
        Decimal("50.00"),
        Decimal("40.00"),
    )
    assert (plain.account_credit, plain.wallet_funds, plain.amount_due) == (0, 0, Decimal("120.00"))


@pytest.mark.django_db
def test_funds_never_cover_more_than_the_total(business):
    contact = make_contact(business)
    credit_wallet(wallet=contact.wallet, amount="500", currency="EUR", reason="Top-up")
    estimate = make_estimate(
        business=business, contact=contact, items=[(priced(business, "10.00"), 2)], use_wallet=True
    )
    assert (estimate.wallet_funds, estimate.amount_due) == (Decimal("24.00"), Decimal("0.00"))


@pytest.mark.django_db
def test_what_the_contact_owes_is_no_credit(business):
    contact = make_contact(business)
    from tests.factories import make_issued_invoice

    make_issued_invoice(business, contact=contact, total=Decimal("40.00"))  # balance +40: owed, not credit
    estimate = make_estimate(business=business, contact=contact, use_account_credit=True)
    assert estimate.account_credit == 0 and estimate.amount_due == estimate.total


# ------------------------------------------------------------------ coverage and fulfilling organisation


@pytest.mark.django_db
def test_a_covering_merchant_fulfils_before_the_business(business):
    located(own_organisation(business), NICOSIA)
    policy(own_organisation(business), radius_km=Decimal("500"))
    merchant = located(OrganisationFactory(business=business, kind=OrganisationKind.MERCHANT), LIMASSOL)
    policy(merchant, radius_km=Decimal("10"))

    in_limassol = make_estimate(business=business, address=LIMASSOL_ADDRESS)
    in_nicosia = make_estimate(business=business, address=NICOSIA_ADDRESS)

    assert in_limassol.fulfilled_by == merchant
    assert in_nicosia.fulfilled_by == own_organisation(business)


@pytest.mark.django_db
def test_coverage_by_postcode_without_coordinates(business):
    merchant = OrganisationFactory(business=business, kind=OrganisationKind.MERCHANT)
    policy(merchant, postcodes=["3036", "3037"])
    policy(own_organisation(business), postcodes=["1010"])

    by_postcode = make_estimate(business=business, address={"line1": "x", "city": "Limassol", "postcode": "3036"})
    assert by_postcode.fulfilled_by == merchant
    assert make_estimate(business=business).fulfilled_by == own_organisation(business)  # postcode 1010
    with pytest.raises(ValidationError) as error:
        make_estimate(business=business, address={"line1": "x", "city": "Paphos", "postcode": "8010"})
    assert "address" in error.value.message_dict


@pytest.mark.django_db
def test_coverage_by_radius_around_the_organisation(business):
    located(own_organisation(business), NICOSIA)
    policy(own_organisation(business), radius_km=Decimal("20"))

    assert make_estimate(business=business, address=NICOSIA_ADDRESS).fulfilled_by == own_organisation(business)
    with pytest.raises(ValidationError) as error:  # Limassol is ~60 km away
        make_estimate(business=business, address=LIMASSOL_ADDRESS)
    assert "address" in error.value.message_dict


@pytest.mark.django_db
def test_methods_must_be_the_policys_and_direct_sale_is_for_services_only(business):
    policy(own_organisation(business), postcodes=["1010"], supply_methods=["delivery"], delivery_methods=["courier"])
    service = priced(business, "5.00", kind=ProductKind.SERVICE, stockable=False, service_type="termed")

    with pytest.raises(ValidationError) as error:
        make_estimate(business=business, delivery_method="direct_delivery")
    assert "delivery_method" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_estimate(business=business, supply_method="pick_up", delivery_method="")
    assert "supply_method" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_estimate(business=business, supply_method="direct_sale", delivery_method="")
    assert "Direct sale is only for digital services" in str(error.value)
    FulfilmentPolicy.objects.filter(business=business).update(supply_methods=["direct_sale"])
    sold = make_estimate(business=business, items=[(service, 1)], supply_method="direct_sale", delivery_method="")
    assert sold.supply_method == "direct_sale"


@pytest.mark.django_db
def test_b2b_merchant_items_split_into_one_group_per_owner(business):
    first, second = b2b_merchant(business), b2b_merchant(business)
    own = priced(business, "10.00")
    theirs = priced(business, "20.00", owner=first)
    others = priced(business, "30.00", owner=second)

    estimate = make_estimate(business=business, items=[(theirs, 1), (own, 1), (others, 2)])

    groups = {group["fulfilled_by"]: group for group in estimate.groups}
    assert set(groups) == {own_organisation(business).pk, first.pk, second.pk}
    assert [line["product"] for line in groups[first.pk]["items"]] == [theirs.pk]
    assert groups[second.pk]["total"] == "72.00"
    assert estimate.fulfilled_by == own_organisation(business)
    assert estimate.total == sum(Decimal(group["total"]) for group in estimate.groups) == Decimal("108.00")


# ------------------------------------------------------------------ charges


@pytest.mark.django_db
def test_fixed_and_distance_charges_are_billed_as_their_products(business):
    located(own_organisation(business), NICOSIA)
    rules = policy(own_organisation(business), radius_km=Decimal("100"))
    delivery_fee = priced(business, "4.00", tax_rate="0", kind=ProductKind.EXPENSE, stockable=False)
    per_km = priced(business, "0.00", tax_rate="0", kind=ProductKind.EXPENSE, stockable=False)
    FulfilmentCharge.objects.create(policy=rules, kind=ChargeKind.FIXED, product=delivery_fee)
    FulfilmentCharge.objects.create(policy=rules, kind=ChargeKind.DISTANCE, product=per_km, per_km=Decimal("0.50"))
    FulfilmentCharge.objects.create(policy=rules, kind=ChargeKind.FIXED, product=delivery_fee, supply_method="pick_up")

    estimate = make_estimate(business=business, items=[(priced(business, "10.00"), 1)], address=LIMASSOL_ADDRESS)

    km = haversine_km(*NICOSIA, Decimal("34.68"), Decimal("33.04"))
    distance_fee = (Decimal("0.50") * km).quantize(Decimal("0.01"))
    charges = estimate.groups[0]["charges"]
    assert [(c["kind"], c["product"], Decimal(c["total"])) for c in charges] == [
        ("fixed", delivery_fee.pk, Decimal("4.00")),
        ("distance", per_km.pk, distance_fee),
    ]
    assert estimate.charges_total == Decimal("4.00") + distance_fee
    assert estimate.total == Decimal("12.00") + Decimal("4.00") + distance_fee
    assert 25 < km < 70


@pytest.mark.django_db
def test_a_distance_charge_needs_coordinates(business):
    located(own_organisation(business), NICOSIA)
    rules = policy(own_organisation(business), postcodes=["1010"])
    fee = priced(business, "0", tax_rate="0", kind=ProductKind.EXPENSE, stockable=False)
    FulfilmentCharge.objects.create(policy=rules, kind=ChargeKind.DISTANCE, product=fee, per_km=Decimal("1"))
    with pytest.raises(ValidationError) as error:
        make_estimate(business=business)
    assert "lat and lon" in str(error.value)


# ------------------------------------------------------------------ expiry


@pytest.mark.django_db
def test_an_estimate_expires_after_two_hours_and_the_beat_job_removes_it(business):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old = make_estimate(business=business)
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        fresh = make_estimate(business=business)
    with time_machine.travel(start + datetime.timedelta(hours=2, seconds=1), tick=False):
        with pytest.raises(StateConflict, match="expired"):
            place_orders(business=business, estimation_id=old.estimation_id, payment_method="cash")
        assert delete_expired_order_estimates() == 1
    assert list(Estimate.objects.filter(business=business)) == [fresh]


# ------------------------------------------------------------------ API


@pytest.mark.django_db
def test_estimate_api_answers_the_documented_fields(api, business):
    contact = make_contact(business)
    product = priced(business, "10.00")
    body = {
        "contact": contact.pk,
        "supply_method": "delivery",
        "delivery_method": "courier",
        "address": {"line1": "1 Main St", "city": "Nicosia", "postcode": "1010", "lat": "35.17", "lon": "33.36"},
        "items": [{"product": product.pk, "quantity": 2}],
        "discount": "1.00",
        "use_wallet": True,
        "use_account_credit": True,
    }

    response = api.post("/api/v1/orders/estimate/", body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    documented = [
        "estimation_id",
        "expires_at",
        "fulfilled_by",
        "currency",
        "total_before_discounts",
        "discounts",
        "net",
        "tax",
        "total",
        "account_credit",
        "wallet_funds",
        "amount_due",
        "charges",
        "billing",
    ]
    assert set(documented) <= set(data)
    assert data["fulfilled_by"] == own_organisation(business).pk
    assert (data["total_before_discounts"], data["discounts"], data["net"], data["tax"], data["total"]) == (
        "20.00",
        "1.00",
        "19.00",
        "3.80",
        "22.80",
    )
    assert data["amount_due"] == "22.80" and data["currency"] == "EUR"
    assert Estimate.objects.get(estimation_id=data["estimation_id"]).contact == contact


@pytest.mark.django_db
def test_estimate_api_refuses_another_businesses_contact_and_products(api, business, other_business):
    foreign_contact = make_contact(other_business)
    foreign_product = ProductFactory(business=other_business)
    body = {
        "contact": foreign_contact.pk,
        "supply_method": "delivery",
        "delivery_method": "courier",
        "address": {"postcode": "1010"},
        "items": [{"product": foreign_product.pk, "quantity": 1}],
    }
    response = api.post("/api/v1/orders/estimate/", body, format="json")
    assert response.status_code == 400
    assert "contact" in response.json() and "items" in response.json()


@pytest.mark.django_db
def test_estimate_api_names_the_field_when_nothing_covers_the_address(api, business):
    policy(own_organisation(business), postcodes=["1010"])
    body = {
        "contact": make_contact(business).pk,
        "supply_method": "delivery",
        "delivery_method": "courier",
        "address": {"postcode": "8010"},
        "items": [{"product": priced(business, "10.00").pk, "quantity": 1}],
    }
    response = api.post("/api/v1/orders/estimate/", body, format="json")
    assert response.status_code == 400
    assert "address" in response.json()
