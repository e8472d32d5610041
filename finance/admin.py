from django import forms
from django.contrib import admin

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline, business_of
from crmcom.core.formsets import kept_forms
from finance.models import Account, BundleComponent, CharacteristicDefinition, Product, ProductPrice
from finance.services.products import check_characteristics, check_components, save_product


class PartsFormSet(forms.BaseInlineFormSet):
    """Checks the product's rule for how many of these parts it may have (finance.services.products)."""

    check = None

    def clean(self):
        super().clean()
        if not any(self.errors):
            type(self).check(product=self.instance, count=len(kept_forms(self)))


class ProductPriceInline(ScopedTabularInline):
    model = ProductPrice


class CharacteristicInline(ScopedTabularInline):
    model = CharacteristicDefinition
    formset = type("CharacteristicFormSet", (PartsFormSet,), {"check": staticmethod(check_characteristics)})


class BundleComponentInline(ScopedTabularInline):
    model = BundleComponent
    fk_name = "bundle"
    formset = type("ComponentFormSet", (PartsFormSet,), {"check": staticmethod(check_components)})


@admin.register(Product)
class ProductAdmin(BusinessScopedAdmin):
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
        save_product(business=business_of(request) or obj.business, product=obj)


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
