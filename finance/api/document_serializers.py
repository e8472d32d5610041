"""Invoices, credit notes, accounts and statements as the API shows them; money to the currency's minor unit."""

from rest_framework import serializers

from crmcom.core.api.serializers import (
    BusinessScopedModelSerializer,
    BusinessScopedSerializerMixin,
    CurrencyCodeField,
    money_string,
)
from crmcom.core.money import round_money
from finance.models import Account, CreditNote, CreditNoteLine, Invoice, InvoiceLine, LedgerEntry, Product

INVOICE_MONEY = ["net_total", "tax_total", "total", "credited_total", "paid_total", "due"]
LINE_MONEY = ["unit_price", "discount", "net", "tax", "total"]


def show_money(data: dict, names: list[str], currency: str) -> dict:
    """Replace the named amounts by decimal strings with the currency's minor unit ("12.50")."""
    for name in names:
        if data.get(name) is not None:
            data[name] = money_string(round_money(data[name], currency), currency)
    return data


class InvoiceLineSerializer(BusinessScopedSerializerMixin, serializers.ModelSerializer):
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(
        max_digits=19,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="Defaults to the catalogue price in the invoice's currency.",
    )
    discount = serializers.DecimalField(max_digits=19, decimal_places=4, required=False)
    serial_numbers = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "product",
            "description",
            "quantity",
            "unit_price",
            "discount",
            "tax_rate",
            "net",
            "tax",
            "total",
            "serial_numbers",
            "stock",
            "credited_quantity",
        ]
        read_only_fields = ["tax_rate", "net", "tax", "total", "credited_quantity"]
        extra_kwargs = {"description": {"required": False}}


class InvoiceSerializer(BusinessScopedModelSerializer):
    """Created and issued at once (`"draft": true` keeps it a draft); issuing stocks out its goods, each line as
    its `stock` says (kept on a draft until it is issued)."""

    currency = CurrencyCodeField(required=False, help_text="The contact's account currency, the only one accepted.")
    lines = InvoiceLineSerializer(many=True)
    draft = serializers.BooleanField(write_only=True, default=False, help_text="Keep it a draft: issue it later.")
    due = serializers.DecimalField(max_digits=19, decimal_places=4, read_only=True)
    settlement = serializers.CharField(read_only=True, help_text="draft, cancelled, unpaid, partially_paid or paid.")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "state",
            "contact",
            "account",
            "currency",
            "warehouse",
            "lines",
            "net_total",
            "tax_total",
            "total",
            "credited_total",
            "paid_total",
            "due",
            "settlement",
            "issued_at",
            "created_at",
            "stock_transaction",
            "draft",
        ]
        read_only_fields = [
            "number",
            "state",
            "account",
            "net_total",
            "tax_total",
            "total",
            "credited_total",
            "paid_total",
            "issued_at",
            "created_at",
            "stock_transaction",
        ]

    def to_representation(self, instance):
        data = show_money(super().to_representation(instance), INVOICE_MONEY, instance.currency)
        for line in data["lines"]:
            show_money(line, LINE_MONEY, instance.currency)
        return data


class CreditNoteLineSerializer(BusinessScopedSerializerMixin, serializers.ModelSerializer):
    quantity = serializers.IntegerField()
    invoice_line = serializers.PrimaryKeyRelatedField(queryset=InvoiceLine.objects.all(), required=False)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, help_text="Or name the product: its invoice line is found."
    )
    serial_numbers = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    restock = serializers.BooleanField(
        default=True,
        help_text="Default true: the goods come back into stock (traceable ones by serial number). False credits "
        "the money only (goods that never left): a quantity, no serial numbers.",
    )

    class Meta:
        model = CreditNoteLine
        fields = ["id", "invoice_line", "product", "quantity", "serial_numbers", "restock", "net", "tax", "total"]
        read_only_fields = ["net", "tax", "total"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["product"] = instance.invoice_line.product_id
        return data


class CreditNoteSerializer(BusinessScopedModelSerializer):
    """Credits part of one issued invoice; returned goods are stocked back in (lines with `restock`)."""

    lines = CreditNoteLineSerializer(many=True)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "account",
            "currency",
            "reason",
            "lines",
            "net_total",
            "tax_total",
            "total",
            "stock_transaction",
            "issued_at",
        ]
        read_only_fields = [
            "number",
            "account",
            "currency",
            "net_total",
            "tax_total",
            "total",
            "stock_transaction",
            "issued_at",
        ]
        extra_kwargs = {"reason": {"required": False}}

    def to_representation(self, instance):
        data = show_money(super().to_representation(instance), ["net_total", "tax_total", "total"], instance.currency)
        for line in data["lines"]:
            show_money(line, ["net", "tax", "total"], instance.currency)
        return data


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "contact", "balance", "currency", "credit_limit"]
        read_only_fields = fields

    def to_representation(self, instance):
        return show_money(super().to_representation(instance), ["balance", "credit_limit"], instance.currency)


class StatementEntrySerializer(serializers.ModelSerializer):
    running_balance = serializers.DecimalField(max_digits=19, decimal_places=4, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "created_at", "kind", "number", "description", "amount", "currency", "running_balance"]
        read_only_fields = fields

    def to_representation(self, instance):
        return show_money(super().to_representation(instance), ["amount", "running_balance"], instance.currency)
