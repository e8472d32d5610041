"""`POST /api/v1/orders/estimate/` (API.md "Orders"): price an order and get an estimation_id for two hours."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from contacts.models import Contact
from crmcom.core.api.serializers import BusinessScopedSerializerMixin, money_string
from crmcom.core.api.views import BusinessScopedMixin
from crmcom.core.money import round_money
from finance.models import Product
from orders.models import DeliveryMethod, Estimate, Queue, SupplyMethod
from orders.selectors.estimates import estimate_billing
from orders.services.estimates import ItemInput, create_estimate

ESTIMATE_MONEY = [
    "total_before_discounts",
    "discounts",
    "net",
    "tax",
    "charges_total",
    "total",
    "account_credit",
    "wallet_funds",
    "amount_due",
]
LINE_MONEY = ["unit_price", "gross", "discount", "net", "tax", "total"]


def money(instance, amount) -> str:
    return money_string(round_money(Decimal(amount), instance.currency), instance.currency)


class EstimateAddressSerializer(serializers.Serializer):
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True)
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    lon = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)


class EstimateItemSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1)
    picks = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text="A flexible bundle's chosen components (product ids), between its min_picks and max_picks.",
    )


class EstimateRequestSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.select_related("account"))
    supply_method = serializers.ChoiceField(choices=SupplyMethod.choices)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices, required=False, allow_blank=True)
    address = EstimateAddressSerializer(required=False)
    items = EstimateItemSerializer(many=True, allow_empty=False)
    discount = serializers.DecimalField(
        max_digits=19, decimal_places=4, required=False, min_value=Decimal("0"), help_text="An ad hoc discount."
    )
    use_wallet = serializers.BooleanField(default=False, help_text="Pay from the wallet's open balance first.")
    use_account_credit = serializers.BooleanField(default=False, help_text="Use the credit on the contact's account.")
    preferred_fulfilment_at = serializers.DateTimeField(required=False, allow_null=True)
    queue = serializers.PrimaryKeyRelatedField(
        queryset=Queue.objects.all(),
        required=False,
        allow_null=True,
        help_text="The queue the orders go into (its invoicing model plans the billing); default: the default queue.",
    )


class EstimateLineSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField()
    gross = serializers.CharField(help_text="quantity × unit price")
    discount = serializers.CharField()
    tax_rate = serializers.CharField()
    net = serializers.CharField()
    tax = serializers.CharField()
    total = serializers.CharField()


class EstimateComponentSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.IntegerField(help_text="The bundle's quantity × quantity_per_bundle.")
    quantity_per_bundle = serializers.IntegerField()


class EstimateItemLineSerializer(EstimateLineSerializer):
    components = EstimateComponentSerializer(
        many=True,
        required=False,
        help_text="Bundles only: what the bundle brings, at no charge (its price is the line's).",
    )
    picks = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Flexible bundles only: the chosen components."
    )


class EstimateChargeSerializer(EstimateLineSerializer):
    kind = serializers.CharField(help_text="fixed or distance")
    distance_km = serializers.CharField(required=False)
    fulfilled_by = serializers.IntegerField()


class EstimateGroupSerializer(serializers.Serializer):
    fulfilled_by = serializers.IntegerField()
    items = EstimateItemLineSerializer(many=True)
    charges = EstimateChargeSerializer(many=True)
    net = serializers.CharField()
    tax = serializers.CharField()
    total = serializers.CharField()


class EstimateBillingSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="The contact's account, which the order's invoices go to.")
    queue = serializers.IntegerField(allow_null=True, help_text="The queue the orders go into.")
    invoicing_model = serializers.CharField(allow_null=True, help_text="When that queue invoices.")
    account_credit = serializers.CharField(help_text="Paid by the credit on the account.")
    wallet_funds = serializers.CharField(help_text="Paid from the wallet's open balance.")
    amount_due = serializers.CharField(help_text="Paid by the order's payment method.")


class EstimateSerializer(serializers.ModelSerializer):
    """The estimate as API.md shows it; `groups` has one entry per fulfilling organisation (B2B split)."""

    charges = serializers.SerializerMethodField()
    billing = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    class Meta:
        model = Estimate
        fields = [
            "estimation_id",
            "expires_at",
            "contact",
            "fulfilled_by",
            "supply_method",
            "delivery_method",
            "address",
            "preferred_fulfilment_at",
            "queue",
            "currency",
            *ESTIMATE_MONEY,
            "use_wallet",
            "use_account_credit",
            "charges",
            "billing",
            "groups",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ESTIMATE_MONEY:
            data[name] = money(instance, getattr(instance, name))
        return data

    def _lines(self, instance, lines: list[dict]) -> list[dict]:
        shown = []
        for line in lines:
            line = dict(line)
            for name in LINE_MONEY:
                line[name] = money(instance, line[name])
            shown.append(line)
        return shown

    @extend_schema_field(EstimateChargeSerializer(many=True))
    def get_charges(self, instance) -> list[dict]:
        return [
            {**line, "fulfilled_by": group["fulfilled_by"]}
            for group in instance.groups
            for line in self._lines(instance, group["charges"])
        ]

    @extend_schema_field(EstimateGroupSerializer(many=True))
    def get_groups(self, instance) -> list[dict]:
        return [
            {
                **group,
                "items": self._lines(instance, group["items"]),
                "charges": self._lines(instance, group["charges"]),
                **{name: money(instance, group[name]) for name in ("net", "tax", "total")},
            }
            for group in instance.groups
        ]

    @extend_schema_field(EstimateBillingSerializer)
    def get_billing(self, instance) -> dict:
        billing = estimate_billing(instance)
        return {
            "account": billing.account,
            "queue": billing.queue,
            "invoicing_model": billing.invoicing_model,
            **{
                name: money(instance, getattr(billing, name))
                for name in ("account_credit", "wallet_funds", "amount_due")
            },
        }


class EstimateView(BusinessScopedMixin, generics.GenericAPIView):
    """Price an order for a contact: who fulfils it, the full breakdown, and an estimation_id for two hours."""

    queryset = Estimate.objects.none()
    serializer_class = EstimateRequestSerializer

    @extend_schema(request=EstimateRequestSerializer, responses={201: EstimateSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        estimate = create_estimate(
            business=self.business,
            contact=data["contact"],
            items=[ItemInput(item["product"], item["quantity"], tuple(item["picks"])) for item in data["items"]],
            supply_method=data["supply_method"],
            delivery_method=data.get("delivery_method", ""),
            address=data.get("address"),
            discount=data.get("discount"),
            use_wallet=data["use_wallet"],
            use_account_credit=data["use_account_credit"],
            preferred_fulfilment_at=data.get("preferred_fulfilment_at"),
            queue=data.get("queue"),
            user=request.user,
        )
        return Response(EstimateSerializer(estimate).data, status=status.HTTP_201_CREATED)
