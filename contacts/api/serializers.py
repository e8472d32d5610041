from rest_framework import serializers

from contacts.models import Contact, ContactAddress, ContactPhone, Organisation
from crmcom.core.api.serializers import BusinessScopedModelSerializer, CurrencyCodeField, money_string


class SignupSerializer(serializers.Serializer):
    business_name = serializers.CharField(max_length=200)
    currency = CurrencyCodeField()
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField()


class SignupBusinessSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    currency = serializers.CharField()


class SignupWarehouseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SignupResultSerializer(serializers.Serializer):
    business = SignupBusinessSerializer()
    warehouse = SignupWarehouseSerializer()
    token = serializers.CharField()


class OrganisationSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "lat", "lon"]


class AccountSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    balance = serializers.SerializerMethodField()
    currency = serializers.CharField()

    def get_balance(self, account) -> str:
        return money_string(account.balance, account.currency)


class WalletSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactAddress
        fields = ["id", "line1", "line2", "city", "postcode", "country", "lat", "lon", "is_primary"]


class ContactSerializer(BusinessScopedModelSerializer):
    """A contact with its primary email and phone; `account` and `wallet` are made with it."""

    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=32, validators=ContactPhone._meta.get_field("number").validators
    )
    addresses = AddressSerializer(many=True, required=False)
    account = AccountSummarySerializer(read_only=True)
    wallet = WalletSummarySerializer(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "kind",
            "first_name",
            "last_name",
            "company_name",
            "email",
            "phone",
            "notes",
            "addresses",
            "account",
            "wallet",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["email"] = primary_value(instance.emails.all(), "email")
        data["phone"] = primary_value(instance.phones.all(), "number")
        return data


def primary_value(details, field: str) -> str:
    """The primary detail among prefetched ones (no query per contact)."""
    primary = next((detail for detail in details if detail.is_primary), None)
    return getattr(primary, field) if primary else ""
