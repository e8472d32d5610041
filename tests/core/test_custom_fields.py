"""Custom fields: typed value coercion, the per-business definitions, their API and serializer field."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from crmcom.core.api.custom_fields import CustomFieldsField
from crmcom.core.models import CustomFieldDefinition
from crmcom.core.services import validate_custom_fields
from crmcom.core.typed_values import coerce_value, coerce_values, validate_allowed_values
from tests.factories import CustomFieldDefinitionFactory

URL = "/api/v1/custom-fields/"


def definition(name, value_type="text", *, required=False, allowed_values=None):
    """Anything with name, value_type, required and allowed_values is a definition to coerce_values."""
    return SimpleNamespace(name=name, value_type=value_type, required=required, allowed_values=allowed_values or [])


# --- coerce_value: one value of each type ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value_type", "raw", "expected"),
    [
        ("text", "hello", "hello"),
        ("text", 42, "42"),
        ("integer", 12, 12),
        ("integer", "12", 12),
        ("integer", " 12 ", 12),
        ("integer", "-3", -3),
        ("integer", "12.0", 12),
        ("integer", 12.0, 12),
        ("decimal", "1.50", "1.50"),
        ("decimal", 2, "2"),
        ("decimal", "-0.25", "-0.25"),
        ("decimal", "1e3", "1000"),
        ("date", "2024-02-29", "2024-02-29"),
        ("date", " 2024-02-29 ", "2024-02-29"),
        ("date", datetime.date(2024, 2, 29), "2024-02-29"),
        ("date", datetime.datetime(2024, 2, 29, 13, 30), "2024-02-29"),
        ("boolean", True, True),
        ("boolean", False, False),
        ("boolean", "yes", True),
        ("boolean", "Y", True),
        ("boolean", "TRUE", True),
        ("boolean", "on", True),
        ("boolean", "1", True),
        ("boolean", 1, True),
        ("boolean", "no", False),
        ("boolean", "N", False),
        ("boolean", "false", False),
        ("boolean", "off", False),
        ("boolean", "0", False),
        ("boolean", 0, False),
        ("choice", "red", "red"),
    ],
)
def test_coerce_value_returns_the_stored_json_safe_value(value_type, raw, expected):
    # given a raw value as a form, a JSON body or a spreadsheet sends it
    # when it is coerced to its type
    value = coerce_value(value_type, raw, ["red", "green"] if value_type == "choice" else None)
    # then it is the stored value, of the stored Python type
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("value_type", "raw", "message"),
    [
        ("integer", "1.5", "“1.5” is not a whole number."),
        ("integer", 1.5, "“1.5” is not a whole number."),
        ("integer", True, "“True” is not a whole number."),
        ("integer", False, "“False” is not a whole number."),
        ("integer", "twelve", "“twelve” is not a whole number."),
        ("integer", "", "“” is not a whole number."),
        ("integer", "1e5000", "“1e5000” is too large: keep whole numbers below 10^18."),
        ("integer", "NaN", "“NaN” is not a whole number."),
        ("integer", "sNaN", "“sNaN” is not a whole number."),
        ("integer", "Infinity", "“Infinity” is not a whole number."),
        ("integer", "-Infinity", "“-Infinity” is not a whole number."),
        ("decimal", "1,5", "“1,5” is not a decimal number."),
        ("decimal", "abc", "“abc” is not a decimal number."),
        ("decimal", "NaN", "“NaN” is not a decimal number."),
        ("decimal", "Infinity", "“Infinity” is not a decimal number."),
        ("decimal", True, "“True” is not a decimal number."),
        ("date", "29/02/2024", "“29/02/2024” is not a date (YYYY-MM-DD)."),
        ("date", "2023-02-29", "“2023-02-29” is not a date (YYYY-MM-DD)."),
        ("date", "2024-02-29T10:00", "“2024-02-29T10:00” is not a date (YYYY-MM-DD)."),
        ("boolean", "maybe", "“maybe” is not yes or no."),
        ("boolean", 2, "“2” is not yes or no."),
        ("choice", "blue", "“blue” is not one of: red, green."),
        ("choice", "RED", "“RED” is not one of: red, green."),
        ("colour", "red", "Unknown value type “colour”."),
    ],
)
def test_coerce_value_refuses_a_value_of_the_wrong_type(value_type, raw, message):
    # given a raw value that is not of its type
    # when it is coerced
    with pytest.raises(ValidationError) as error:
        coerce_value(value_type, raw, ["red", "green"])
    # then a ValidationError (never a crash) says what is wrong with it
    assert error.value.messages == [message]


def test_a_choice_without_options_accepts_nothing():
    with pytest.raises(ValidationError):
        coerce_value("choice", "red", None)


# --- coerce_values: a {name: value} mapping against definitions ------------------------------------


def test_coerce_values_cleans_every_known_value_and_skips_blank_optional_ones():
    # given definitions of several types
    definitions = [
        definition("warranty_months", "integer"),
        definition("installed_on", "date"),
        definition("outdoor", "boolean"),
        definition("colour", "choice", allowed_values=["red", "green"]),
        definition("note", "text"),
    ]
    # when a mapping with raw values (and a blank optional one) is coerced
    cleaned = coerce_values(
        definitions,
        {"warranty_months": "24", "installed_on": "2024-05-01", "outdoor": "yes", "colour": "red", "note": ""},
    )
    # then each value has its type and the blank one is left out
    assert cleaned == {"warranty_months": 24, "installed_on": "2024-05-01", "outdoor": True, "colour": "red"}


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_coerce_values_requires_a_required_field(missing):
    # given a required field
    definitions = [definition("serial_label", required=True)]
    # when it is missing or blank
    values = {} if missing is None else {"serial_label": missing}
    with pytest.raises(ValidationError) as error:
        coerce_values(definitions, values)
    # then the error is on that field
    assert error.value.message_dict == {"serial_label": ["This field is required."]}


def test_coerce_values_accepts_none_as_no_values_when_nothing_is_required():
    assert coerce_values([definition("note")], None) == {}


def test_coerce_values_refuses_an_unknown_name():
    # given one definition
    # when a value for another name arrives
    with pytest.raises(ValidationError) as error:
        coerce_values([definition("note")], {"note": "ok", "nickname": "Bob"})
    # then the error is keyed by the unknown name
    assert error.value.message_dict == {"nickname": ["Unknown field “nickname”."]}


def test_coerce_values_reports_every_error_keyed_by_field_name():
    # given several definitions
    definitions = [
        definition("warranty_months", "integer"),
        definition("installed_on", "date"),
        definition("colour", "choice", allowed_values=["red"]),
        definition("site", required=True),
        definition("note"),
    ]
    # when several values are wrong at once
    with pytest.raises(ValidationError) as error:
        coerce_values(
            definitions,
            {"warranty_months": "1.5", "installed_on": "tomorrow", "colour": "blue", "note": "fine", "extra": 1},
        )
    # then each is reported under its own name, and only those
    assert error.value.message_dict == {
        "warranty_months": ["“1.5” is not a whole number."],
        "installed_on": ["“tomorrow” is not a date (YYYY-MM-DD)."],
        "colour": ["“blue” is not one of: red."],
        "site": ["This field is required."],
        "extra": ["Unknown field “extra”."],
    }


@pytest.mark.parametrize(
    ("value_type", "allowed_values", "ok"),
    [
        ("choice", ["a", "b"], True),
        ("choice", [], False),
        ("choice", ["a", ""], False),
        ("choice", ["a", 1], False),
        ("choice", ["a", "a"], False),
        ("text", [], True),
        ("text", ["a"], False),
        ("integer", ["1"], False),
    ],
)
def test_only_a_choice_takes_allowed_values_and_it_needs_distinct_options(value_type, allowed_values, ok):
    if ok:
        validate_allowed_values(value_type, allowed_values)
    else:
        with pytest.raises(ValidationError) as error:
            validate_allowed_values(value_type, allowed_values)
        assert set(error.value.message_dict) == {"allowed_values"}


# --- validate_custom_fields: the business's definitions for one target ---------------------------


def test_validate_custom_fields_uses_the_business_definitions_for_the_target(business, other_business):
    # given a device field of this business, an order field of this business, a device field of another
    CustomFieldDefinitionFactory(business=business, target="device", name="warranty_months", value_type="integer")
    CustomFieldDefinitionFactory(business=business, target="order", name="po_number")
    CustomFieldDefinitionFactory(business=other_business, target="device", name="colour")
    # when device values are validated for this business
    cleaned = validate_custom_fields(business=business, target="device", values={"warranty_months": "12"})
    # then its own device field is coerced
    assert cleaned == {"warranty_months": 12}
    # and neither the order field nor the other business's field is known on its devices
    for name in ("po_number", "colour"):
        with pytest.raises(ValidationError) as error:
            validate_custom_fields(business=business, target="device", values={name: "x"})
        assert error.value.message_dict == {name: [f"Unknown field “{name}”."]}


def test_validate_custom_fields_enforces_required_definitions(business):
    CustomFieldDefinitionFactory(business=business, target="order", name="po_number", required=True)
    with pytest.raises(ValidationError) as error:
        validate_custom_fields(business=business, target="order", values={})
    assert error.value.message_dict == {"po_number": ["This field is required."]}


# --- CustomFieldsField: the serializer field devices and orders use -------------------------------


class DeviceLikeSerializer(serializers.Serializer):
    custom_fields = CustomFieldsField(target="device")


def test_custom_fields_field_cleans_values_with_the_business_from_the_context(business):
    # given a business with an integer and a boolean device field
    CustomFieldDefinitionFactory(business=business, name="warranty_months", value_type="integer")
    CustomFieldDefinitionFactory(business=business, name="outdoor", value_type="boolean")
    # when a payload is validated with the business in the context
    serializer = DeviceLikeSerializer(
        data={"custom_fields": {"warranty_months": "24", "outdoor": "no"}}, context={"business": business}
    )
    # then the values come out typed
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["custom_fields"] == {"warranty_months": 24, "outdoor": False}


def test_custom_fields_field_reports_errors_keyed_by_field_name(business, other_business):
    # given a field of this business and a field only the other business has
    CustomFieldDefinitionFactory(business=business, name="warranty_months", value_type="integer")
    CustomFieldDefinitionFactory(business=other_business, name="colour")
    # when wrong values are sent
    serializer = DeviceLikeSerializer(
        data={"custom_fields": {"warranty_months": "1.5", "colour": "red"}}, context={"business": business}
    )
    # then the serializer error names each field
    assert not serializer.is_valid()
    errors = serializer.errors["custom_fields"]
    assert errors["warranty_months"] == ["“1.5” is not a whole number."]
    assert errors["colour"] == ["Unknown field “colour”."]


@pytest.mark.parametrize("payload", [["warranty_months", 12], "warranty_months=12", 12])
def test_custom_fields_field_needs_an_object(business, payload):
    serializer = DeviceLikeSerializer(data={"custom_fields": payload}, context={"business": business})
    assert not serializer.is_valid()
    assert serializer.errors["custom_fields"] == ["Send an object of {name: value}."]


def test_custom_fields_field_is_optional(business):
    serializer = DeviceLikeSerializer(data={}, context={"business": business})
    assert serializer.is_valid(), serializer.errors
    assert "custom_fields" not in serializer.validated_data


# --- /api/v1/custom-fields/ -----------------------------------------------------------------------


def test_create_list_change_and_delete_a_custom_field(api, business):
    # when a choice field is created
    created = api.post(
        URL,
        {"target": "device", "name": "colour", "label": "Colour", "value_type": "choice", "allowed_values": ["red"]},
    )
    # then it belongs to the caller's business and is listed
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {
        "id": body["id"],
        "target": "device",
        "name": "colour",
        "label": "Colour",
        "value_type": "choice",
        "required": False,
        "allowed_values": ["red"],
    }
    assert CustomFieldDefinition.objects.get(pk=body["id"]).business == business
    listed = api.get(URL)
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["colour"]

    # when its options change and it becomes required
    changed = api.patch(f"{URL}{body['id']}/", {"allowed_values": ["red", "green"], "required": True})
    # then it is stored
    assert changed.status_code == 200, changed.json()
    stored = CustomFieldDefinition.objects.get(pk=body["id"])
    assert (stored.allowed_values, stored.required) == (["red", "green"], True)

    # when it is deleted, then it is gone
    assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert not CustomFieldDefinition.objects.filter(pk=body["id"]).exists()


def test_a_name_is_unique_per_target_within_a_business(api, business, other_business):
    # given a device field "colour" in this business and an order field "colour" in another
    CustomFieldDefinitionFactory(business=business, target="device", name="colour")
    CustomFieldDefinitionFactory(business=other_business, target="order", name="colour")
    # when a second device field "colour" is created
    duplicate = api.post(URL, {"target": "device", "name": "colour"})
    # then it is refused and not written
    assert duplicate.status_code == 400
    assert "already exists" in str(duplicate.json())
    assert CustomFieldDefinition.objects.filter(business=business, name="colour").count() == 1
    # but the same name for the other target is fine (the other business's field is no conflict)
    assert api.post(URL, {"target": "order", "name": "colour"}).status_code == 201


def test_renaming_onto_an_existing_name_is_refused(api, business):
    CustomFieldDefinitionFactory(business=business, target="device", name="colour")
    other = CustomFieldDefinitionFactory(business=business, target="device", name="size")
    response = api.patch(f"{URL}{other.pk}/", {"name": "colour"})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.name == "size"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"value_type": "choice"}, "allowed_values"),
        ({"value_type": "choice", "allowed_values": []}, "allowed_values"),
        ({"value_type": "choice", "allowed_values": ["a", "a"]}, "allowed_values"),
        ({"value_type": "text", "allowed_values": ["a"]}, "allowed_values"),
        ({"value_type": "colour"}, "value_type"),
        ({"name": "Bad Name"}, "name"),
        ({"target": "invoice"}, "target"),
    ],
)
def test_an_invalid_definition_is_refused_with_the_field_named(api, payload, field):
    # given a definition with one thing wrong
    body = {"target": "device", "name": "colour", **payload}
    # when it is posted
    response = api.post(URL, body)
    # then the error names the field and nothing is written
    assert response.status_code == 400
    assert field in response.json()
    assert not CustomFieldDefinition.objects.exists()


def test_another_business_custom_field_answers_404(api, other_business):
    foreign = CustomFieldDefinitionFactory(business=other_business, name="colour")
    assert api.get(f"{URL}{foreign.pk}/").status_code == 404
    assert api.patch(f"{URL}{foreign.pk}/", {"label": "Mine"}).status_code == 404
    assert api.delete(f"{URL}{foreign.pk}/").status_code == 404
    assert api.get(URL).json()["count"] == 0
    foreign.refresh_from_db()
    assert foreign.label == ""


def test_custom_fields_filter_by_target(api, business):
    CustomFieldDefinitionFactory(business=business, target="device", name="colour")
    CustomFieldDefinitionFactory(business=business, target="order", name="po_number")
    response = api.get(URL, {"target": "order"})
    assert [row["name"] for row in response.json()["results"]] == ["po_number"]
