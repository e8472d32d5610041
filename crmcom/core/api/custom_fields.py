from rest_framework import serializers

from crmcom.core.api.serializers import BusinessScopedModelSerializer
from crmcom.core.api.views import BusinessScopedViewSet
from crmcom.core.models import CustomFieldDefinition
from crmcom.core.services import validate_custom_fields


class CustomFieldDefinitionSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = CustomFieldDefinition
        fields = ["id", "target", "name", "label", "value_type", "required", "allowed_values"]


class CustomFieldsField(serializers.JSONField):
    """`custom_fields: {name: value}` on a device or order, checked against the business's definitions."""

    def __init__(self, *, target: str, **kwargs):
        self.target = target
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Send an object of {name: value}.")
        return validate_custom_fields(business=self.context["business"], target=self.target, values=data)


class CustomFieldDefinitionViewSet(BusinessScopedViewSet):
    queryset = CustomFieldDefinition.objects.all()
    serializer_class = CustomFieldDefinitionSerializer
    filterset_fields = ["target", "value_type", "required"]
    search_fields = ["name", "label"]
