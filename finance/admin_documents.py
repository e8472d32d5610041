"""Admin screens of the account ledger: invoices (drafts edited here, issued by an action), credit notes and
ledger entries (read-only: they are written only by the services)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin, apply_to_each, error_text
from crmcom.core.exceptions import StateConflict
from crmcom.core.formsets import forms_for_service, kept_forms
from finance.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceState, LedgerEntry, LineStock
from finance.services.invoices import (
    InvoiceLineInput,
    cancel_invoice,
    draft_lines,
    issue_invoice,
    save_draft_invoice,
)

HEADER_FIELDS = ("contact", "currency", "warehouse")
RECORD_FIELDS = (
    "number",
    "state",
    "account",
    "net_total",
    "tax_total",
    "total",
    "credited_total",
    "paid_total",
    "due",
    "settlement",
    "issued_at",
    "stock_transaction",
    "print_link",
)


def is_draft(invoice) -> bool:
    return invoice is None or invoice.state == InvoiceState.DRAFT


class InvoiceLineForm(forms.ModelForm):
    class Meta:
        model = InvoiceLine
        fields = ("product", "description", "quantity", "unit_price", "discount", "serial_numbers", "stock")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_price"].required = False
        self.fields["unit_price"].help_text = "Empty: the catalogue price in the invoice's currency."
        self.fields["serial_numbers"].help_text = 'Traceable goods: ["SN-1", "SN-2"].'
        self.fields["stock"].required = False  # empty: stocked out on issue


class InvoiceLinesFormSet(BaseInlineFormSet):
    """Asks the draft service what it would save, so its refusal (a currency the account is not kept in, a
    line it cannot price) is shown on the form and nothing is written; save_related then saves it."""

    def clean(self):
        super().clean()
        invoice = self.instance
        if any(self.errors) or invoice.contact_id is None:
            return  # the forms show their own errors first
        try:
            draft_lines(invoice=invoice, lines=[line_input(form) for form in kept_forms(self)])
        except (ValidationError, StateConflict) as error:
            raise ValidationError(error_text(error)) from error


class InvoiceLineInline(ScopedTabularInline):
    """Editable while the invoice is a draft; amounts are computed by the service on save."""

    model = InvoiceLine
    form = InvoiceLineForm
    formset = InvoiceLinesFormSet
    readonly_fields = ("tax_rate", "net", "tax", "total", "credited_quantity")

    def has_add_permission(self, request, obj=None):
        return is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_draft(obj) and super().has_delete_permission(request, obj)


def line_input(form) -> InvoiceLineInput:
    data = form.cleaned_data
    return InvoiceLineInput(
        product=data["product"],
        quantity=data["quantity"],
        unit_price=data.get("unit_price"),
        discount=data.get("discount") or 0,
        serial_numbers=data.get("serial_numbers") or [],
        description=data.get("description") or "",
        stock=data.get("stock") or LineStock.AUTO,
    )


@admin.register(Invoice)
class InvoiceAdmin(BusinessScopedAdmin):
    """Drafts are made and edited here; issuing and cancelling go through the services as actions."""

    inlines = [InvoiceLineInline]
    list_display = ("__str__", "contact", "state", "total", "due_amount", "settlement_state", "issued_at")
    list_filter = ("state", "currency", "issued_at", "contact")
    search_fields = ("number", "contact__first_name", "contact__last_name", "contact__company_name")
    list_select_related = ("contact",)
    actions = ["issue_selected", "cancel_selected"]

    def get_fields(self, request, obj=None):
        return HEADER_FIELDS if obj is None else (*HEADER_FIELDS, *RECORD_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else RECORD_FIELDS if is_draft(obj) else (*HEADER_FIELDS, *RECORD_FIELDS)

    def has_change_permission(self, request, obj=None):
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # drafts are cancelled, issued invoices credited

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related hands the header and its lines to the service together."""

    def save_related(self, request, form, formsets, change):
        (lines,) = formsets
        kept = forms_for_service(lines)
        invoice = form.instance
        if invoice.pk is None:
            invoice.created_by = request.user
        save_draft_invoice(invoice=invoice, lines=[line_input(f) for f in kept])

    @admin.display(description="Due")
    def due_amount(self, invoice):
        return invoice.due

    @admin.display(description="Settlement")
    def settlement_state(self, invoice):
        return invoice.settlement

    @admin.display(description="Print")
    def print_link(self, invoice):
        return format_html('<a href="{}">Print-ready invoice</a>', reverse("finance:invoice-print", args=[invoice.pk]))

    @admin.action(description="Issue selected", permissions=["change"])
    def issue_selected(self, request, queryset):
        def issue(invoice):
            issued = issue_invoice(invoice=invoice, user=request.user)
            return f"Invoice {issued.number} issued."

        apply_to_each(self, request, queryset.order_by("pk"), issue)

    @admin.action(description="Cancel selected drafts", permissions=["change"])
    def cancel_selected(self, request, queryset):
        def cancel(invoice):
            cancel_invoice(invoice=invoice)
            return f"{invoice} cancelled."

        apply_to_each(self, request, queryset.order_by("pk"), cancel)


class CreditNoteLineInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = CreditNoteLine
    fields = ("invoice_line", "quantity", "serial_numbers", "restock", "net", "tax", "total")
    readonly_fields = fields


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdminMixin, AdminLogHistory, BusinessScopedAdmin):
    inlines = [CreditNoteLineInline]
    list_display = ("number", "invoice", "account", "total", "currency", "issued_at")
    list_filter = ("currency", "issued_at")
    search_fields = ("number", "invoice__number")
    list_select_related = ("invoice", "account__contact")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, AdminLogHistory, BusinessScopedAdmin):
    list_display = ("created_at", "account", "kind", "number", "amount", "currency", "description")
    list_filter = ("kind", "account", "currency")
    search_fields = ("number", "description")
    list_select_related = ("account__contact",)
