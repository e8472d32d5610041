"""Fulfilment policies: save one organisation's policy with its event-based charges, validated as a whole.

The checks are plain functions the admin's forms call too, so a screen and the API refuse the same things
with the same field errors.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import ProductKind
from finance.services.products import validate_parts
from orders.models import ChargeKind, DeliveryMethod, FulfilmentCharge, FulfilmentPolicy, SupplyMethod


def normalise_postcode(value: str) -> str:
    """How postcodes are stored and compared: upper case, no spaces ("sw1a 1aa" is "SW1A1AA")."""
    return "".join(str(value).split()).upper()


def _choices(values, allowed: list[str], field: str) -> list[str]:
    """A list of choice values, in the given order without repeats; anything else is a field error."""
    if not isinstance(values, list | tuple):
        raise ValidationError({field: "Give a list."})
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValidationError({field: f"Unknown: {', '.join(map(str, unknown))}. Choose from {', '.join(allowed)}."})
    return list(dict.fromkeys(values))


def check_policy(*, business_id: int, policy: FulfilmentPolicy) -> None:
    """Normalise the policy's lists in place and check them; errors are keyed by field."""
    errors: dict[str, list[str]] = {}
    for field, allowed in (("supply_methods", SupplyMethod.values), ("delivery_methods", DeliveryMethod.values)):
        try:
            setattr(policy, field, _choices(getattr(policy, field) or [], allowed, field))
        except ValidationError as error:
            errors.update(error.message_dict)
    if (
        "supply_methods" not in errors
        and policy.delivery_methods
        and SupplyMethod.DELIVERY not in policy.supply_methods
    ):
        errors["delivery_methods"] = ["Delivery methods apply only to a policy that supplies by delivery."]
    if not isinstance(policy.postcodes, list | tuple):
        errors["postcodes"] = ["Give a list of postcodes."]
    else:
        postcodes = [normalise_postcode(value) for value in policy.postcodes]
        if "" in postcodes:
            errors["postcodes"] = ["A postcode cannot be empty."]
        policy.postcodes = list(dict.fromkeys(postcodes))
    organisation = policy.organisation if policy.organisation_id else None
    if organisation is not None and organisation.business_id != business_id:
        errors["organisation"] = ["Choose an organisation of this business."]
    if errors:
        raise ValidationError(errors)


def check_charge(*, business_id: int, charge: FulfilmentCharge) -> None:
    """One charge's own rules: an expense of this business, a per-km fee exactly for distance charges."""
    errors = {}
    if charge.kind == ChargeKind.DISTANCE and charge.per_km is None:
        errors["per_km"] = "A distance-based charge needs a fee per km."
    if charge.kind == ChargeKind.FIXED and charge.per_km is not None:
        errors["per_km"] = "A fixed charge is priced from the catalogue: leave the fee per km empty."
    if charge.per_km is not None and charge.per_km < 0:
        errors["per_km"] = "The fee per km cannot be negative."
    product = charge.product if charge.product_id else None
    if product is not None and (product.business_id != business_id or product.kind != ProductKind.EXPENSE):
        errors["product"] = "Choose an expense product of this business."
    if charge.supply_method and charge.supply_method not in SupplyMethod.values:
        errors["supply_method"] = f"Choose one of {', '.join(SupplyMethod.values)}."
    if errors:
        raise ValidationError(errors)


def save_policy(
    *, business, policy: FulfilmentPolicy, charges: Sequence[FulfilmentCharge] | None = None
) -> FulfilmentPolicy:
    """Create or change an organisation's policy. `charges`, when given, replace the policy's own.

    Everything is validated before anything is written; charge errors name the charge's position.
    """
    if policy.business_id is None:
        policy.business = business
    errors = {}
    for check in (lambda: check_policy(business_id=business.pk, policy=policy), policy.full_clean):
        try:
            check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if charges is not None:
        checked = list(charges)
    else:  # kept charges are checked too
        checked = list(policy.charges.select_related("product")) if policy.pk else []
    messages = validate_parts(checked, parent="policy", product=policy, unique_field="product")
    for position, charge in enumerate(checked, start=1):
        try:
            check_charge(business_id=business.pk, charge=charge)
        except ValidationError as error:
            messages.extend(
                f"#{position} {field}: {text}" for field, texts in error.message_dict.items() for text in texts
            )
    if messages:
        errors["charges"] = messages
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        policy.save()
        if charges is not None:
            policy.charges.all().delete()
            for charge in checked:
                charge.policy = policy
                charge.pk = None
                charge.save()
    return policy


def delete_policy(*, policy: FulfilmentPolicy) -> None:
    """The organisation falls back to the business's policy (orders keep what they were placed with)."""
    policy.delete()
