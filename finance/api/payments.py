"""Payments, refunds and payouts (API.md "Finance and wallets"): created through finance.services.payments, never
edited or deleted. A client may send an Idempotency-Key header: a retried card request then charges, refunds or
pays out once and answers with the first document."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from contacts.models import Contact
from crmcom.core.api.filters import BusinessScopedFilterSet, scoped_choices
from crmcom.core.api.serializers import BusinessScopedModelSerializer, CurrencyCodeField, money_string
from crmcom.core.api.views import BusinessScopedMixin
from crmcom.core.money import round_money
from finance.models import Payment, PaymentMethod, Payout, Refund
from finance.services.payments import make_payout, record_payment, refund_payment
from wallets.models import PaymentMethod as Card

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Send the same key again to retry safely: a card is charged, refunded or paid out only once.",
)
MONEY_FIELDS = ("amount", "refunded_total")


class MoneySerializer(BusinessScopedModelSerializer):
    """Amounts shown as decimal strings to the document currency's minor unit ("12.50")."""

    amount = serializers.DecimalField(max_digits=19, decimal_places=4)
    payment_method = serializers.PrimaryKeyRelatedField(
        queryset=Card.objects.all(),
        required=False,
        allow_null=True,
        write_only=True,
        help_text="A card of the contact's wallet; the primary card when omitted.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for field in MONEY_FIELDS:
            if field in data:
                data[field] = money_string(round_money(getattr(instance, field), instance.currency), instance.currency)
        return data


class PaymentSerializer(MoneySerializer):
    """Settles part or all of an issued invoice's due; card payments charge the named or the primary card."""

    currency = CurrencyCodeField(required=False, help_text="The invoice's currency; anything else is refused.")

    class Meta:
        model = Payment
        fields = [
            "id",
            "number",
            "invoice",
            "amount",
            "currency",
            "method",
            "payment_method",
            "refunded_total",
            "gateway_reference",
            "created_at",
        ]
        read_only_fields = ["number", "refunded_total", "gateway_reference", "created_at"]


class RefundSerializer(MoneySerializer):
    """Returns part or all of a payment the way it came (card, wallet, cash); never more than is left to refund."""

    payment_method = None

    class Meta:
        model = Refund
        fields = ["id", "number", "payment", "amount", "currency", "gateway_reference", "created_at"]
        read_only_fields = ["number", "currency", "gateway_reference", "created_at"]


class PayoutSerializer(MoneySerializer):
    """Money we owe the contact, paid back: only credit on account (a negative balance) can be paid out, so the
    account's balance stays at or below zero afterwards; a larger payout is refused (409)."""

    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), source="account.contact")
    method = serializers.ChoiceField(
        choices=[PaymentMethod.CASH, PaymentMethod.CARD],
        required=False,
        help_text="card (the default when a payment_method is named): to the named or primary card through the "
        "payment gateway; cash (the default otherwise).",
    )

    class Meta:
        model = Payout
        fields = ["id", "number", "contact", "amount", "currency", "method", "payment_method", "gateway_reference"]
        fields += ["created_at"]
        read_only_fields = ["number", "currency", "gateway_reference", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["method"] = PaymentMethod.CARD if instance.gateway_reference else PaymentMethod.CASH
        return data


def contact_filter() -> filters.ModelChoiceFilter:
    """Documents of one contact (through their account), among the caller's contacts only."""
    filter_ = filters.ModelChoiceFilter(field_name="account__contact", queryset=scoped_choices(Contact))
    filter_.model = Contact  # what the tenancy walk looks up: the queryset is a callable
    return filter_


class PaymentFilter(BusinessScopedFilterSet):
    contact = contact_filter()

    class Meta:
        model = Payment
        fields = ["invoice", "method"]


class RefundFilter(BusinessScopedFilterSet):
    contact = contact_filter()

    class Meta:
        model = Refund
        fields = ["payment"]


class PayoutFilter(BusinessScopedFilterSet):
    contact = contact_filter()

    class Meta:
        model = Payout
        fields = []


class DocumentViewSet(
    BusinessScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["created_at", "number", "amount", "id"]
    search_fields = ["number"]

    def perform_create(self, serializer):
        key = self.request.headers.get("Idempotency-Key", "")
        serializer.instance = self.create_document(dict(serializer.validated_data), key)

    def create_document(self, data: dict, idempotency_key: str):
        raise NotImplementedError


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_KEY]))
class PaymentViewSet(DocumentViewSet):
    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def create_document(self, data, idempotency_key):
        return record_payment(**data, idempotency_key=idempotency_key, user=self.request.user)


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_KEY]))
class RefundViewSet(DocumentViewSet):
    queryset = Refund.objects.all()
    serializer_class = RefundSerializer
    filterset_class = RefundFilter

    def create_document(self, data, idempotency_key):
        return refund_payment(**data, idempotency_key=idempotency_key, user=self.request.user)


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_KEY]))
class PayoutViewSet(DocumentViewSet):
    queryset = Payout.objects.select_related("account")
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter

    def create_document(self, data, idempotency_key):
        account = data.pop("account")["contact"].account
        return make_payout(account=account, **data, idempotency_key=idempotency_key, user=self.request.user)
