"""Warehouse transactions (drafts edited through the services, posted ones read-only) and stock balances."""

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline, business_of
from crmcom.core.admin_helpers import AdminLogHistory, apply_to_each
from crmcom.core.formsets import forms_for_service, kept_forms
from inventory.models import StockBalance, TransactionState, WarehouseTransaction, WarehouseTransactionLine
from inventory.selectors_balances import stock_balances
from inventory.services.posting import post_transaction, reverse_transaction
from inventory.services.transactions import (
    DEFAULT_PURPOSE,
    LineInput,
    build_lines,
    create_transaction,
    delete_draft,
    replace_lines,
    validate_header,
)

HEADER_FIELDS = ("kind", "purpose", "warehouse", "to_warehouse", "contact", "reason", "reference")
RECORD_FIELDS = ("state", "reverses", "created_by", "created_at", "posted_by", "posted_at")


def is_draft(txn: WarehouseTransaction | None) -> bool:
    return txn is None or txn.state == TransactionState.DRAFT


class SerialNumbersField(forms.CharField):
    """Serial numbers typed one a line (or separated by commas or spaces), stored as a list."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 24})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [serial for serial in re.split(r"[\s,;]+", super().to_python(value)) if serial]


class LineForm(forms.ModelForm):
    serial_numbers = SerialNumbersField(required=False)

    class Meta:
        model = WarehouseTransactionLine
        fields = ("product", "quantity", "serial_numbers", "location", "to_location")


def line_input(form) -> LineInput:
    data = form.cleaned_data
    return LineInput(
        product=data["product"],
        quantity=data["quantity"],
        serial_numbers=data.get("serial_numbers") or [],
        location=data.get("location"),
        to_location=data.get("to_location"),
    )


class LineFormSet(forms.BaseInlineFormSet):
    """The lines are checked by the same service code that will write them (inventory.services.transactions)."""

    def clean(self):
        super().clean()
        txn = self.instance
        if any(self.errors) or txn.warehouse_id is None or not is_draft(txn):
            return
        try:
            validate_header(txn)
        except ValidationError:
            return  # the header's form shows what is wrong; lines are checked against a sound header
        try:
            build_lines(txn, [line_input(form) for form in kept_forms(self)])
        except ValidationError as error:
            raise ValidationError(error.messages) from None  # a formset's own errors are a plain list


class LineInline(ScopedTabularInline):
    model = WarehouseTransactionLine
    form = LineForm
    formset = LineFormSet
    extra = 1

    def get_extra(self, request, obj=None, **kwargs):
        return self.extra if is_draft(obj) else 0

    def has_add_permission(self, request, obj=None):
        return is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_draft(obj) and super().has_delete_permission(request, obj)


class TransactionForm(forms.ModelForm):
    class Meta:
        model = WarehouseTransaction
        fields = HEADER_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "purpose" in self.fields:
            self.fields["purpose"].required = False
            self.fields["purpose"].help_text = "Left empty: supplier, sale, movement or adjustment, by kind."

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("kind") and data.get("warehouse"):
            data["purpose"] = data.get("purpose") or DEFAULT_PURPOSE.get(data["kind"], "")
            header = WarehouseTransaction(business=self.instance.business, **{f: data.get(f) for f in HEADER_FIELDS})
            try:
                validate_header(header)
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(WarehouseTransaction)
class WarehouseTransactionAdmin(BusinessScopedAdmin):
    """Drafts are made and edited here (lines only once saved); posting and reversal are actions."""

    form = TransactionForm
    inlines = [LineInline]
    list_display = ("__str__", "kind", "purpose", "state", "warehouse", "to_warehouse", "reference", "posted_at")
    list_filter = ("kind", "purpose", "state", "warehouse", "posted_at")
    search_fields = ("reference", "reason", "lines__serial_numbers")
    list_select_related = ("warehouse", "to_warehouse")
    actions = ["post_drafts", "reverse_selected"]

    def get_fields(self, request, obj=None):
        return HEADER_FIELDS if obj is None else (*HEADER_FIELDS, *RECORD_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*HEADER_FIELDS, *RECORD_FIELDS)

    def has_change_permission(self, request, obj=None):
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_draft(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # posted transactions are reversed, never deleted
        return actions

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related hands the header and its lines to the service together."""

    def save_related(self, request, form, formsets, change):
        (lines,) = formsets
        kept = forms_for_service(lines)
        inputs = [line_input(f) for f in kept]
        txn = form.instance
        if change:
            if lines.has_changed():
                replace_lines(transaction=txn, lines=inputs)
            return
        created = create_transaction(
            business=business_of(request),
            lines=inputs,
            user=request.user,
            **{name: form.cleaned_data.get(name) for name in HEADER_FIELDS},
        )
        txn.pk, txn.created_at, txn._state.adding = created.pk, created.created_at, False  # for the log and redirect

    def delete_model(self, request, obj):
        delete_draft(transaction=obj)

    @admin.action(description="Post selected drafts", permissions=["change"])
    def post_drafts(self, request, queryset):
        def post(txn):
            post_transaction(transaction=txn, user=request.user)
            return f"{txn.get_kind_display()} #{txn.pk} posted."

        apply_to_each(self, request, queryset.order_by("pk"), post)

    @admin.action(description="Reverse selected", permissions=["change"])
    def reverse_selected(self, request, queryset):
        def reverse(txn):
            reversal = reverse_transaction(transaction=txn, user=request.user)
            return f"{txn.get_kind_display()} #{txn.pk} reversed by #{reversal.pk}."

        apply_to_each(self, request, queryset.order_by("pk"), reverse)


@admin.register(StockBalance)
class StockBalanceAdmin(AdminLogHistory, BusinessScopedAdmin):
    """Read-only: balances move only through posted transactions, reservations and device blocks."""

    list_display = (
        "product",
        "warehouse",
        "in_hand",
        "reserved",
        "blocked",
        "available_units",
        "dispatched",
        "rented",
        "ownership_units",
    )
    list_filter = ("warehouse", ("product", admin.RelatedOnlyFieldListFilter), "product__traceable")
    search_fields = ("product__sku", "product__name")
    list_select_related = ("product", "warehouse")

    def get_queryset(self, request):
        return stock_balances(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Available", ordering="available")
    def available_units(self, balance: StockBalance) -> int:
        return balance.available

    @admin.display(description="Ownership", ordering="ownership")
    def ownership_units(self, balance: StockBalance) -> int:
        return balance.ownership
