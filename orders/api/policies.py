"""`/api/v1/fulfilment-policies/`: an organisation's policy with its charges nested, written by the service."""

from rest_framework import serializers

from crmcom.core.api.serializers import BusinessScopedModelSerializer, BusinessScopedSerializerMixin
from crmcom.core.api.views import BusinessScopedViewSet
from finance.api.document_serializers import show_money
from orders.models import DeliveryMethod, FulfilmentCharge, FulfilmentPolicy, SupplyMethod
from orders.services.policies import delete_policy, save_policy


class FulfilmentChargeSerializer(BusinessScopedSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = FulfilmentCharge
        fields = ["kind", "product", "per_km"]
        extra_kwargs = {"per_km": {"required": False}}


class FulfilmentPolicySerializer(BusinessScopedModelSerializer):
    """Nested charges, when sent, replace the policy's own (orders.services.policies.save_policy)."""

    supply_methods = serializers.ListField(child=serializers.ChoiceField(SupplyMethod.choices), required=False)
    delivery_methods = serializers.ListField(child=serializers.ChoiceField(DeliveryMethod.choices), required=False)
    postcodes = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    charges = FulfilmentChargeSerializer(many=True, required=False)

    class Meta:
        model = FulfilmentPolicy
        fields = [
            "id",
            "organisation",
            "supply_methods",
            "delivery_methods",
            "postcodes",
            "radius_km",
            "allows_modification",
            "charges",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        currency = instance.business.currency  # a fee per km is in the business's currency, to its minor unit
        for row in data["charges"]:
            show_money(row, ["per_km"], currency)
        return data


class FulfilmentPolicyViewSet(BusinessScopedViewSet):
    queryset = FulfilmentPolicy.objects.select_related("business", "organisation").prefetch_related("charges")
    serializer_class = FulfilmentPolicySerializer
    filterset_fields = ["organisation"]
    ordering_fields = ["id", "organisation__name"]

    def save_object(self, policy: FulfilmentPolicy, validated_data: dict) -> FulfilmentPolicy:
        data = dict(validated_data)
        charges = [FulfilmentCharge(**item) for item in data.pop("charges")] if "charges" in data else None
        for field, value in data.items():
            setattr(policy, field, value)
        policy = save_policy(business=self.business, policy=policy, charges=charges)
        return FulfilmentPolicy.objects.prefetch_related("charges").get(pk=policy.pk)

    def perform_destroy(self, instance):
        delete_policy(policy=instance)
