from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField

from crmcom.core.money import minor_units, validate_currency
from crmcom.core.tenancy import is_tenant_model, scope_queryset


class BusinessScopedSerializerMixin:
    """Related-object fields accept only the caller's business's rows (others are "does not exist")."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None:
            return fields
        for field in fields.values():
            relation = field.child_relation if isinstance(field, ManyRelatedField) else field
            scoped = isinstance(relation, RelatedField) and relation.queryset is not None
            if scoped and is_tenant_model(relation.queryset.model):
                relation.queryset = scope_queryset(relation.queryset, request.user)
        return fields


class BusinessScopedModelSerializer(BusinessScopedSerializerMixin, serializers.ModelSerializer):
    pass


class CurrencyCodeField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("validators", [validate_currency])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).strip().upper()


def money_string(amount, currency: str) -> str:
    """An amount as the API shows it: a decimal string with the currency's minor unit ("12.50")."""
    return f"{amount:.{minor_units(currency)}f}"
