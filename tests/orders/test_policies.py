"""Fulfilment policies: the service's rules, the API (`/api/v1/fulfilment-policies/`) and the admin screen."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Organisation, OrganisationKind
from finance.models import ProductKind
from orders.models import FulfilmentCharge, FulfilmentPolicy
from orders.services.policies import normalise_postcode, save_policy
from tests.factories import OrganisationFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/fulfilment-policies/"


def expense(business, **kwargs):
    return ProductFactory(business=business, kind=ProductKind.EXPENSE, stockable=False, tax_rate=Decimal("0"), **kwargs)


@pytest.fixture
def merchant(business):
    return OrganisationFactory(business=business, name="Corner Shop")


@pytest.fixture
def fee(business):
    return expense(business, name="Delivery fee")


def policy_of(organisation, **fields):
    return FulfilmentPolicy(organisation=organisation, **fields)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# ---------------------------------------------------------------- the service


def test_a_policy_is_saved_with_its_charges_and_normalised_lists(business, merchant, fee):
    per_km = expense(business, name="Distance fee")
    policy = save_policy(
        business=business,
        policy=policy_of(
            merchant,
            supply_methods=["delivery", "pick_up", "delivery"],
            delivery_methods=["courier"],
            postcodes=[" sw1a 1aa", "SW1A1AA", "1010 "],
            radius_km=Decimal("0"),
        ),
        charges=[
            FulfilmentCharge(kind="fixed", product=fee),
            FulfilmentCharge(kind="distance", product=per_km, per_km=Decimal("0.50")),
        ],
    )

    policy.refresh_from_db()
    assert policy.business == business
    assert policy.supply_methods == ["delivery", "pick_up"]
    assert policy.postcodes == ["SW1A1AA", "1010"]
    assert [(c.kind, c.product, c.per_km) for c in policy.charges.order_by("pk")] == [
        ("fixed", fee, None),
        ("distance", per_km, Decimal("0.5")),
    ]


@pytest.mark.parametrize(("raw", "stored"), [("sw1a 1aa", "SW1A1AA"), ("  10\t10 ", "1010"), ("EC1A 1BB", "EC1A1BB")])
def test_postcodes_are_compared_without_case_or_spaces(raw, stored):
    assert normalise_postcode(raw) == stored


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"supply_methods": ["delivery", "teleport"]}, "supply_methods"),
        ({"supply_methods": "delivery"}, "supply_methods"),
        ({"supply_methods": ["delivery"], "delivery_methods": ["drone"]}, "delivery_methods"),
        ({"supply_methods": ["pick_up"], "delivery_methods": ["courier"]}, "delivery_methods"),
        ({"postcodes": ["1010", "  "]}, "postcodes"),
        ({"postcodes": "1010"}, "postcodes"),
        ({"radius_km": Decimal("-0.01")}, "radius_km"),
    ],
)
def test_policy_fields_are_checked(business, merchant, fields, field):
    errors = errors_of(lambda: save_policy(business=business, policy=policy_of(merchant, **fields)))

    assert set(errors) == {field}
    assert not FulfilmentPolicy.objects.exists()


def test_charges_are_checked_and_named_by_position(business, other_business, merchant, fee):
    service = ProductFactory(business=business, kind=ProductKind.SERVICE, stockable=False, service_type="one_time")
    theirs = expense(other_business)
    charges = [
        FulfilmentCharge(kind="fixed", product=fee),  # fine
        FulfilmentCharge(kind="distance", product=expense(business)),  # no per_km
        FulfilmentCharge(kind="fixed", product=expense(business), per_km=Decimal("1")),  # per_km on a fixed charge
        FulfilmentCharge(kind="fixed", product=service),  # not an expense
        FulfilmentCharge(kind="fixed", product=theirs),  # another business's
        FulfilmentCharge(kind="distance", product=expense(business), per_km=Decimal("-1")),
        FulfilmentCharge(kind="fixed", product=fee),  # twice
        FulfilmentCharge(kind="surcharge", product=expense(business)),
    ]

    errors = errors_of(lambda: save_policy(business=business, policy=policy_of(merchant), charges=charges))

    messages = errors["charges"]
    assert set(errors) == {"charges"}
    assert not any(message.startswith("#1 ") for message in messages)
    for position, field in [
        (2, "per_km"),
        (3, "per_km"),
        (4, "product"),
        (5, "product"),
        (6, "per_km"),
        (7, "product"),
    ]:
        assert any(message.startswith(f"#{position} {field}:") for message in messages), (position, messages)
    assert any(message.startswith("#8 kind:") for message in messages)
    assert not FulfilmentPolicy.objects.exists()


def test_the_organisation_must_be_the_business_own(business, other_business):
    theirs = OrganisationFactory(business=other_business)

    errors = errors_of(lambda: save_policy(business=business, policy=policy_of(theirs)))

    assert "organisation" in errors


def test_one_policy_per_organisation(business, merchant):
    save_policy(business=business, policy=policy_of(merchant))

    errors = errors_of(lambda: save_policy(business=business, policy=policy_of(merchant)))

    assert "organisation" in errors
    assert FulfilmentPolicy.objects.filter(organisation=merchant).count() == 1


def test_charges_given_replace_the_policy_own_and_none_keeps_them(business, merchant, fee):
    other_fee = expense(business)
    policy = save_policy(
        business=business, policy=policy_of(merchant), charges=[FulfilmentCharge(kind="fixed", product=fee)]
    )

    policy.radius_km = Decimal("3")
    save_policy(business=business, policy=policy)
    kept = list(policy.charges.values_list("product", flat=True))
    save_policy(business=business, policy=policy, charges=[FulfilmentCharge(kind="fixed", product=other_fee)])

    assert kept == [fee.pk]
    assert list(policy.charges.values_list("product", flat=True)) == [other_fee.pk]


# ---------------------------------------------------------------- the API


def test_api_creates_a_policy_with_nested_charges(api, business, merchant, fee):
    distance_fee = expense(business)
    response = api.post(
        URL,
        {
            "organisation": merchant.pk,
            "supply_methods": ["delivery", "direct_sale"],
            "delivery_methods": ["direct_delivery", "pick_up_point"],
            "postcodes": ["1010 ", "nw1 6xe"],
            "radius_km": "7.5",
            "charges": [
                {"kind": "fixed", "product": fee.pk},
                {"kind": "distance", "product": distance_fee.pk, "per_km": "0.455"},
            ],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organisation"] == merchant.pk
    assert body["postcodes"] == ["1010", "NW16XE"]
    assert body["radius_km"] == "7.50"
    assert body["charges"] == [
        {"kind": "fixed", "product": fee.pk, "per_km": None},
        {"kind": "distance", "product": distance_fee.pk, "per_km": "0.46"},  # EUR: two places, half-up
    ]
    assert api.get(f"{URL}{body['id']}/").json() == body


def test_api_updates_replace_the_charges_and_patch_keeps_them(api, business, merchant, fee):
    created = api.post(URL, {"organisation": merchant.pk, "charges": [{"kind": "fixed", "product": fee.pk}]}).json()

    patched = api.patch(f"{URL}{created['id']}/", {"radius_km": "2"})
    replaced = api.patch(f"{URL}{created['id']}/", {"charges": []})

    assert patched.status_code == 200
    assert patched.json()["charges"] == created["charges"]
    assert replaced.json()["charges"] == []
    assert not FulfilmentCharge.objects.exists()


def test_api_refusals_name_the_field(api, business, other_business, merchant):
    bad_choice = api.post(URL, {"organisation": merchant.pk, "supply_methods": ["teleport"]})
    service_rule = api.post(
        URL, {"organisation": merchant.pk, "supply_methods": ["pick_up"], "delivery_methods": ["courier"]}
    )
    their_fee = api.post(
        URL, {"organisation": merchant.pk, "charges": [{"kind": "fixed", "product": expense(other_business).pk}]}
    )
    no_per_km = api.post(
        URL, {"organisation": merchant.pk, "charges": [{"kind": "distance", "product": expense(business).pk}]}
    )

    assert bad_choice.status_code == 400 and set(bad_choice.json()) == {"supply_methods"}
    assert service_rule.status_code == 400 and set(service_rule.json()) == {"delivery_methods"}
    assert their_fee.status_code == 400 and "does not exist" in str(their_fee.json()["charges"])
    assert no_per_km.status_code == 400 and "#1 per_km" in str(no_per_km.json()["charges"])
    assert not FulfilmentPolicy.objects.exists()


def test_api_deletes_a_policy(api, business, merchant):
    created = api.post(URL, {"organisation": merchant.pk}).json()

    assert api.delete(f"{URL}{created['id']}/").status_code == 204
    assert not FulfilmentPolicy.objects.exists()


# ---------------------------------------------------------------- the admin


ADMIN_ADD = "/admin/orders/fulfilmentpolicy/add/"


def admin_form(organisation, charges, **fields):
    data = {
        "organisation": organisation.pk,
        "postcodes": "",
        "radius_km": "",
        "allows_modification": "on",
        "charges-TOTAL_FORMS": str(len(charges)),
        "charges-INITIAL_FORMS": "0",
        "charges-MIN_NUM_FORMS": "0",
        "charges-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, charge in enumerate(charges):
        data.update({f"charges-{index}-{key}": value for key, value in charge.items()})
    return data


def test_admin_saves_a_policy_with_its_charges_through_the_service(staff_client, business, merchant, fee):
    response = staff_client.post(
        ADMIN_ADD,
        admin_form(
            merchant,
            [{"kind": "distance", "product": fee.pk, "per_km": "1.20", "supply_method": "delivery"}],
            supply_methods=["delivery"],
            delivery_methods=["courier"],
            postcodes="1010, sw1a 1aa\n1010",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    policy = FulfilmentPolicy.objects.get(organisation=merchant)
    assert policy.postcodes == ["1010", "SW1A1AA"]
    assert list(policy.charges.values_list("kind", "per_km", "supply_method")) == [
        ("distance", Decimal("1.2"), "delivery")
    ]
    assert staff_client.get(f"/admin/orders/fulfilmentpolicy/{policy.pk}/change/").status_code == 200


def test_admin_shows_the_service_errors_on_the_form(staff_client, business, merchant, fee):
    response = staff_client.post(
        ADMIN_ADD,
        admin_form(
            merchant, [{"kind": "distance", "product": fee.pk, "per_km": ""}], supply_methods=["pick_up"],
            delivery_methods=["courier"],
        ),
    )  # fmt: skip

    assert response.status_code == 200
    assert "delivery_methods" in response.context["adminform"].form.errors
    charge_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "per_km" in charge_errors[0]
    assert not FulfilmentPolicy.objects.exists()


def test_admin_offers_only_the_business_expenses_as_charge_products(staff_client, business, other_business, fee):
    goods = ProductFactory(business=business)
    theirs = expense(other_business)

    page = staff_client.get(ADMIN_ADD)

    choices = page.context["inline_admin_formsets"][0].formset.empty_form.fields["product"].queryset
    assert fee in choices
    assert goods not in choices and theirs not in choices
    assert Organisation.objects.filter(business=business, kind=OrganisationKind.BUSINESS).exists()
