from rest_framework import viewsets

from crmcom.core.services import save_tenant_object
from crmcom.core.tenancy import scope_queryset


class BusinessScopedMixin:
    """Every API view's queryset passes through here: another business's rows answer 404."""

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user)

    @property
    def business(self):
        return self.request.user.business

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "business": self.business}


class BusinessScopedViewSet(BusinessScopedMixin, viewsets.ModelViewSet):
    """CRUD whose writes go through `save_object`, which subclasses point at their model's service."""

    def save_object(self, instance, validated_data: dict):
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return self.write(instance)

    def write(self, instance):
        """The service that saves one row of this view's model."""
        return save_tenant_object(business=self.business, instance=instance)

    def perform_create(self, serializer):
        serializer.instance = self.save_object(serializer.Meta.model(), serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.save_object(serializer.instance, serializer.validated_data)
