from collections.abc import Mapping

from crmcom.core.constraints import constraint_errors
from crmcom.core.models import CustomFieldDefinition
from crmcom.core.tenancy import TenantModel
from crmcom.core.typed_values import coerce_values


def save_tenant_object(
    *, business, instance: TenantModel, constraint_fields: Mapping[str, str] | None = None
) -> TenantModel:
    """Validate (constraints scoped to `business` included) and save a plain business-owned row.

    For rows whose only rules are their model's; richer objects have services of their own. A constraint a
    concurrent write won past the validation answers as the validation does (crmcom.core.constraints;
    `constraint_fields` names the field of each constraint whose error is a field's).
    """
    if instance.business_id is None:
        instance.business = business
    instance.full_clean()
    with constraint_errors(instance, constraint_fields):
        instance.save()
    return instance


def validate_custom_fields(*, business, target: str, values: dict | None) -> dict:
    """Clean a {name: value} mapping against the business's definitions for `target`.

    Every write path (admin form, API serializer, importer) calls this; errors are keyed by field name.
    """
    definitions = CustomFieldDefinition.objects.filter(business=business, target=target)
    return coerce_values(definitions, values)


def recorded_user(user):
    """The user to store as a row's author: None for anonymous callers (portals, tasks)."""
    return user if user is not None and user.is_authenticated else None
