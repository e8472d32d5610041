from rest_framework import serializers

from crmcom.core.api.serializers import (
    BusinessScopedModelSerializer,
    BusinessScopedSerializerMixin,
    CurrencyCodeField,
    money_string,
)
from crmcom.core.money import round_money
from finance.models import BundleComponent, CharacteristicDefinition, Product, ProductPrice


class ProductPriceSerializer(serializers.ModelSerializer):
    currency = CurrencyCodeField()

    class Meta:
        model = ProductPrice
        fields = ["currency", "amount"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Money is shown to the currency's minor unit ("12.50", API.md), not the column's four places.
        data["amount"] = money_string(round_money(instance.amount, instance.currency), instance.currency)
        return data


class CharacteristicDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CharacteristicDefinition
        fields = ["name", "value_type", "required", "allowed_values"]


class BundleComponentSerializer(BusinessScopedSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = BundleComponent
        fields = ["component", "quantity"]


class ProductSerializer(BusinessScopedModelSerializer):
    """A catalogue product with its prices, characteristic definitions and bundle components.

    Nested lists, when sent, replace the product's own (finance.services.products.save_product).
    """

    prices = ProductPriceSerializer(many=True, required=False)
    characteristics = CharacteristicDefinitionSerializer(many=True, required=False)
    components = BundleComponentSerializer(many=True, required=False)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "description",
            "kind",
            "traceable",
            "stockable",
            "service_type",
            "prices",
            "rental_price",
            "tax_rate",
            "owner",
            "characteristics",
            "bundle_kind",
            "min_picks",
            "max_picks",
            "components",
            "is_active",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.rental_price is not None:  # in the business's currency, to its minor unit
            currency = instance.business.currency
            data["rental_price"] = money_string(round_money(instance.rental_price, currency), currency)
        return data
