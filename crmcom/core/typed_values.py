"""Typed values shared by custom fields and product characteristics: one coercion, one set of messages."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models


class ValueType(models.TextChoices):
    TEXT = "text", "Text"
    INTEGER = "integer", "Integer"
    DECIMAL = "decimal", "Decimal"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Boolean"
    CHOICE = "choice", "Choice"


MAX_INTEGER = 10**18  # fits a bigint, and JSON never meets Python's 4,300-digit limit
TRUE_WORDS = {"true", "yes", "1", "y", "on"}
FALSE_WORDS = {"false", "no", "0", "n", "off"}


def coerce_value(value_type: str, raw, allowed_values: list | None = None):
    """Return `raw` as the JSON-safe value stored for `value_type`, or raise ValidationError.

    Integers stay ints, decimals become canonical strings, dates ISO strings, booleans bools.
    """
    if value_type == ValueType.TEXT:
        return str(raw)
    if value_type == ValueType.INTEGER:
        if isinstance(raw, bool):
            raise ValidationError(f"“{raw}” is not a whole number.")
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError(f"“{raw}” is not a whole number.") from None
        if not number.is_finite() or number != number.to_integral_value():  # is_finite first: sNaN, Infinity
            raise ValidationError(f"“{raw}” is not a whole number.")
        if abs(number) >= MAX_INTEGER:
            raise ValidationError(f"“{raw}” is too large: keep whole numbers below 10^18.")
        return int(number)
    if value_type == ValueType.DECIMAL:
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError(f"“{raw}” is not a decimal number.") from None
        if not number.is_finite():
            raise ValidationError(f"“{raw}” is not a decimal number.")
        return format(number, "f")  # "1000", never "1E+3"
    if value_type == ValueType.DATE:
        if isinstance(raw, datetime.datetime):  # e.g. a spreadsheet's date cell: keep the day
            return raw.date().isoformat()
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        try:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValidationError(f"“{raw}” is not a date (YYYY-MM-DD).") from None
    if value_type == ValueType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(f"“{raw}” is not yes or no.")
    if value_type == ValueType.CHOICE:
        if str(raw) not in (allowed_values or []):
            raise ValidationError(f"“{raw}” is not one of: {', '.join(allowed_values or [])}.")
        return str(raw)
    raise ValidationError(f"Unknown value type “{value_type}”.")


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def coerce_values(definitions, values: dict | None) -> dict:
    """Validate a {name: raw} mapping against definitions (objects with name, value_type, required,
    allowed_values); unknown names and missing required ones are errors. Errors are keyed by name."""
    values = dict(values or {})
    known = {definition.name: definition for definition in definitions}
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    for name in values.keys() - known.keys():
        errors[name] = [f"Unknown field “{name}”."]
    for name, definition in known.items():
        raw = values.get(name)
        if is_blank(raw):
            if definition.required:
                errors[name] = ["This field is required."]
            continue
        try:
            cleaned[name] = coerce_value(definition.value_type, raw, definition.allowed_values)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def validate_allowed_values(value_type: str, allowed_values: list) -> None:
    """A choice needs options; other types take none."""
    if value_type == ValueType.CHOICE:
        if not allowed_values or not all(isinstance(option, str) and option for option in allowed_values):
            raise ValidationError({"allowed_values": "A choice needs a list of non-empty options."})
        if len(set(allowed_values)) != len(allowed_values):
            raise ValidationError({"allowed_values": "Options must be distinct."})
    elif allowed_values:
        raise ValidationError({"allowed_values": "Only a choice takes allowed values."})
