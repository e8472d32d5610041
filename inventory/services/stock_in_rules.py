"""Automation settings: which status devices get when they are stocked in (see StockInStatusRule)."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from inventory.models import DeviceState, StockInStatusRule

STOCK_IN_STATES = (DeviceState.NEW, DeviceState.USED)


def validate_stock_in_rule(rule: StockInStatusRule) -> None:
    """A rule has a scope, sets a status of a state devices arrive in, and is the only one for its scope and state."""
    errors = {}
    for name in ("warehouse", "product", "status"):
        related = getattr(rule, name)
        if related is not None and related.business_id != rule.business_id:
            errors[name] = "Unknown for this business."
    if errors:
        raise ValidationError(errors)
    if rule.warehouse_id is None and rule.product_id is None:
        errors[NON_FIELD_ERRORS] = "Scope the rule to a warehouse, a product or both."
    if rule.product is not None and not rule.product.traceable:
        errors["product"] = f"{rule.product.sku} is not traceable: it has no devices to give a status."
    if rule.status.state not in STOCK_IN_STATES:
        errors["status"] = (
            f"“{rule.status.name}” is a status of {rule.status.get_state_display().lower()} devices: "
            "stocked-in devices are new (from a supplier) or used (returned)."
        )
    if errors:
        raise ValidationError(errors)
    clash = (
        StockInStatusRule.objects.filter(
            business_id=rule.business_id,
            warehouse_id=rule.warehouse_id,
            product_id=rule.product_id,
            status__state=rule.status.state,
        )
        .exclude(pk=rule.pk)
        .select_related("status")
        .first()
    )
    if clash is not None:
        message = f"A rule for this scope already gives {rule.status.state} devices “{clash.status.name}”."
        raise ValidationError({NON_FIELD_ERRORS: message})


def save_stock_in_rule(*, business, rule: StockInStatusRule) -> StockInStatusRule:
    if rule.business_id is None:
        rule.business = business
    validate_stock_in_rule(rule)
    rule.full_clean()
    with transaction.atomic():
        rule.save()
    return rule
