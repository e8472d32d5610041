from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline, business_of
from crmcom.core.formsets import forms_for_service, kept_forms
from finance.models import Account, BundleComponent, CharacteristicDefinition, Product, ProductPrice
from finance.services.products import check_bundles_holding, check_characteristics, check_components, save_product


class PartsFormSet(forms.BaseInlineFormSet):
    """Checks the product's rule for how many of these parts it may have (finance.services.products)."""

    check = None

    def clean(self):
        super().clean()
        if not any(self.errors):
            try:
                type(self).check(product=self.instance, count=len(kept_forms(self)))
            except ValidationError as error:  # keyed by field; a formset's own errors are a plain list
                raise ValidationError(error.messages) from None


class ProductForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()  # the instance now has the form's values
        try:
            check_bundles_holding(product=self.instance)
        except ValidationError as error:
            self._update_errors(error)


class ProductPriceForm(forms.ModelForm):
    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()  # "eur" is EUR, as in the API


class ProductPriceInline(ScopedTabularInline):
    model = ProductPrice
    form = ProductPriceForm


class CharacteristicInline(ScopedTabularInline):
    model = CharacteristicDefinition
    formset = type("CharacteristicFormSet", (PartsFormSet,), {"check": staticmethod(check_characteristics)})


class BundleComponentInline(ScopedTabularInline):
    model = BundleComponent
    fk_name = "bundle"
    formset = type("ComponentFormSet", (PartsFormSet,), {"check": staticmethod(check_components)})


@admin.register(Product)
class ProductAdmin(BusinessScopedAdmin):
    form = ProductForm
    list_display = (
        "sku",
        "name",
        "kind",
        "traceable",
        "stockable",
        "service_type",
        "bundle_kind",
        "tax_rate",
        "is_active",
    )
    list_filter = ("kind", "traceable", "stockable", "service_type", "bundle_kind", "is_active", "owner")
    search_fields = ("sku", "name")
    list_select_related = ("owner",)
    inlines = [ProductPriceInline, CharacteristicInline, BundleComponentInline]
    fieldsets = (
        (None, {"fields": ("sku", "name", "description", "kind", "is_active", "owner")}),
        ("Goods", {"fields": ("traceable", "stockable")}),
        ("Services", {"fields": ("service_type",)}),
        ("Pricing", {"fields": ("rental_price", "tax_rate")}),
        ("Bundle", {"fields": ("bundle_kind", "min_picks", "max_picks")}),
    )

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related writes the product with its parts, so the service sees them together."""

    def save_related(self, request, form, formsets, change):
        parts = {}
        for formset in formsets:
            kept = forms_for_service(formset)
            parts[formset.fk.remote_field.get_accessor_name()] = [f.instance for f in kept]
        product = form.instance
        save_product(business=business_of(request) or product.business, product=product, **parts)
        form.save_m2m()


@admin.register(Account)
class AccountAdmin(BusinessScopedAdmin):
    """Accounts open with their contact; balances move only through posted documents."""

    list_display = ("contact", "currency", "balance", "credit_limit")
    list_filter = ("currency",)
    search_fields = ("contact__first_name", "contact__last_name", "contact__company_name")
    list_select_related = ("contact",)
    readonly_fields = ("contact", "currency", "balance")

    def has_add_permission(self, request):
        return False


import finance.admin_documents  # noqa: E402, F401  invoices, credit notes and ledger entries
import finance.admin_payments  # noqa: E402, F401  payments, refunds and payouts
