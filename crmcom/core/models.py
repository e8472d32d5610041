from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel
from crmcom.core.typed_values import ValueType, validate_allowed_values


def related_or_none(instance: models.Model, field: str):
    """The related object behind `field`, or None while it is unset (model.clean runs even then)."""
    try:
        return getattr(instance, field)
    except ObjectDoesNotExist:
        return None


class TypedFieldDefinition(models.Model):
    """A named, typed value definition: custom fields and product characteristics share this shape."""

    name = models.CharField(
        max_length=64,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", "Use lower-case letters, digits and underscores.")],
        help_text="Key used in the API and import files, e.g. warranty_months.",
    )
    value_type = models.CharField(max_length=10, choices=ValueType.choices, default=ValueType.TEXT)
    required = models.BooleanField(default=False)
    allowed_values = models.JSONField(default=list, blank=True, help_text="Options of a choice, as a JSON list.")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_allowed_values(self.value_type, self.allowed_values)


class CustomFieldTarget(models.TextChoices):
    DEVICE = "device", "Device"
    ORDER = "order", "Order"


class CustomFieldDefinition(TenantModel, TypedFieldDefinition):
    """A business's own extra field on its devices or orders."""

    target = models.CharField(max_length=10, choices=CustomFieldTarget.choices)
    label = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "target", "name"], name="custom_field_unique_per_target"),
            models.CheckConstraint(condition=models.Q(value_type__in=ValueType.values), name="custom_field_type_valid"),
        ]
