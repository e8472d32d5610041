"""`/api/v1/order-catalogues/`: catalogues with their products; `?available_at=HH:MM` lists those offered then."""

from django_filters import rest_framework as filters

from contacts.models import Organisation
from crmcom.core.api.filters import BusinessScopedFilterSet, scoped_choices
from crmcom.core.api.serializers import BusinessScopedModelSerializer
from crmcom.core.api.views import BusinessScopedViewSet
from orders.models import OrderCatalogue, SupplyMethod
from orders.selectors.catalogues import available_catalogues
from orders.services.catalogues import save_catalogue


class OrderCatalogueSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = OrderCatalogue
        fields = [
            "id",
            "name",
            "organisation",
            "supply_method",
            "available_from",
            "available_until",
            "products",
            "is_active",
        ]


class OrderCatalogueFilter(BusinessScopedFilterSet):
    """`supply_method` and `organisation` keep the catalogues for any (left empty) as well as for the one asked."""

    available_at = filters.TimeFilter(method="offered", label="Offered at this time of day (HH:MM)")
    supply_method = filters.ChoiceFilter(choices=SupplyMethod.choices, method="offered")
    organisation = filters.ModelChoiceFilter(queryset=scoped_choices(Organisation), method="offered")

    class Meta:
        model = OrderCatalogue
        fields = ["available_at", "supply_method", "organisation", "is_active"]

    def offered(self, queryset, name, value):
        return queryset  # all three at once in filter_queryset: the selector reads them together

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if any(data.get(name) for name in ("available_at", "supply_method", "organisation")):
            queryset = available_catalogues(
                queryset,
                at=data.get("available_at"),
                supply_method=data.get("supply_method") or "",
                organisation=data.get("organisation"),
            )
        return queryset


class OrderCatalogueViewSet(BusinessScopedViewSet):
    queryset = OrderCatalogue.objects.select_related("business").prefetch_related("products")
    serializer_class = OrderCatalogueSerializer
    filterset_class = OrderCatalogueFilter
    search_fields = ["name"]
    ordering_fields = ["id", "name", "available_from"]

    def save_object(self, catalogue: OrderCatalogue, validated_data: dict) -> OrderCatalogue:
        data = dict(validated_data)
        products = data.pop("products", None)
        for field, value in data.items():
            setattr(catalogue, field, value)
        return save_catalogue(business=self.business, catalogue=catalogue, products=products)
