from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crmcom.core.api.serializers import (
    BusinessScopedModelSerializer,
    BusinessScopedSerializerMixin,
    CurrencyCodeField,
    money_string,
)
from wallets.models import BalancePart, PaymentMethod, Wallet, WalletBalance, WalletJournalEntry


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.50"})
class MoneyStringField(serializers.Field):
    """An amount of the row (`attribute`) as a decimal string in the row's currency's minor unit."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute = attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, row):
        return money_string(getattr(row, self.attribute), row.currency)


class WalletBalanceSerializer(serializers.ModelSerializer):
    open = MoneyStringField("open")
    commerce = MoneyStringField("commerce")

    class Meta:
        model = WalletBalance
        fields = ["currency", "open", "commerce"]
        read_only_fields = fields


class WalletSerializer(BusinessScopedModelSerializer):
    balances = WalletBalanceSerializer(many=True, read_only=True)

    class Meta:
        model = Wallet
        fields = ["id", "contact", "balances", "created_at"]
        read_only_fields = fields


class WalletJournalEntrySerializer(BusinessScopedModelSerializer):
    balance = serializers.ChoiceField(source="part", choices=BalancePart.choices, read_only=True)
    amount = MoneyStringField("amount", help_text="Signed: negative for a debit.")

    class Meta:
        model = WalletJournalEntry
        fields = ["id", "currency", "balance", "amount", "kind", "reason", "reference", "created_at", "created_by"]
        read_only_fields = fields


class TopUpSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    amount = serializers.DecimalField(max_digits=19, decimal_places=4)
    currency = CurrencyCodeField()
    balance = serializers.ChoiceField(choices=BalancePart.choices, default=BalancePart.OPEN)
    payment_method = serializers.PrimaryKeyRelatedField(
        queryset=PaymentMethod.objects.all(),
        required=False,
        allow_null=True,
        help_text="A card of this wallet, charged through the payment gateway; absent = a staff credit.",
    )
    idempotency_key = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Retry with the same key: charged once."
    )


class PaymentMethodSerializer(BusinessScopedModelSerializer):
    """A card: the number and CVC go to the gateway at once and are never stored nor shown."""

    number = serializers.CharField(write_only=True, max_length=23)
    cvc = serializers.CharField(write_only=True, max_length=4)

    class Meta:
        model = PaymentMethod
        fields = ["id", "number", "exp_month", "exp_year", "cvc", "brand", "last4", "is_primary", "created_at"]
        read_only_fields = ["id", "brand", "last4", "is_primary", "created_at"]
