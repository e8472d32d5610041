"""Stock balances, read-only: the counters the services keep, with available and ownership computed in SQL."""

from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from crmcom.core.api.filters import BusinessScopedFilterSet
from crmcom.core.api.serializers import BusinessScopedModelSerializer
from crmcom.core.api.views import BusinessScopedMixin
from inventory.models import StockBalance
from inventory.selectors_balances import stock_balances


class StockBalanceSerializer(BusinessScopedModelSerializer):
    available = serializers.IntegerField(read_only=True, help_text="in_hand − reserved − blocked")
    ownership = serializers.IntegerField(read_only=True, help_text="in_hand + dispatched + rented")

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "warehouse",
            "product",
            "in_hand",
            "reserved",
            "blocked",
            "available",
            "dispatched",
            "rented",
            "ownership",
        ]
        read_only_fields = fields


class StockBalanceFilter(BusinessScopedFilterSet):
    min_available = filters.NumberFilter(field_name="available", lookup_expr="gte")
    max_available = filters.NumberFilter(field_name="available", lookup_expr="lte")

    class Meta:
        model = StockBalance
        fields = ["warehouse", "product"]


class StockBalanceViewSet(BusinessScopedMixin, viewsets.ReadOnlyModelViewSet):
    queryset = stock_balances()
    serializer_class = StockBalanceSerializer
    http_method_names = ["get", "head", "options"]
    filterset_class = StockBalanceFilter
    ordering_fields = [
        "available",
        "ownership",
        "in_hand",
        "reserved",
        "blocked",
        "dispatched",
        "rented",
        "product__sku",
        "warehouse__name",
        "id",
    ]
