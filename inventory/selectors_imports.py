"""What the columns of a business's device file may hold: the admin's mapping step lists it, the importer checks it."""

from crmcom.core.models import CustomFieldDefinition, CustomFieldTarget
from finance.models import CharacteristicDefinition


def characteristic_names(*, business) -> list[str]:
    """The distinct characteristic names of the business's traceable products (what `char:<name>` may name)."""
    definitions = CharacteristicDefinition.objects.filter(product__business=business, product__traceable=True)
    return list(definitions.values_list("name", flat=True).distinct().order_by("name"))


def device_custom_field_names(*, business) -> list[str]:
    """The business's device custom fields (what `cf:<name>` may name)."""
    definitions = CustomFieldDefinition.objects.filter(business=business, target=CustomFieldTarget.DEVICE)
    return list(definitions.values_list("name", flat=True).order_by("name"))
