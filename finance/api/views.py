from crmcom.core.api.views import BusinessScopedViewSet
from finance.api.serializers import ProductSerializer
from finance.models import BundleComponent, CharacteristicDefinition, Product, ProductPrice
from finance.services.products import save_product

NESTED = {"prices": ProductPrice, "characteristics": CharacteristicDefinition, "components": BundleComponent}


class ProductViewSet(BusinessScopedViewSet):
    queryset = Product.objects.select_related("business").prefetch_related("prices", "characteristics", "components")
    serializer_class = ProductSerializer
    filterset_fields = ["kind", "traceable", "stockable", "service_type", "bundle_kind", "owner", "is_active"]
    search_fields = ["sku", "name"]
    ordering_fields = ["sku", "name", "id"]

    def save_object(self, product: Product, validated_data: dict) -> Product:
        data = dict(validated_data)
        parts = {
            name: [model(**item) for item in data.pop(name)] if name in data else None for name, model in NESTED.items()
        }
        for field, value in data.items():
            setattr(product, field, value)
        return save_product(business=self.business, product=product, **parts)
