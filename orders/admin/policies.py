"""Fulfilment policies in the admin: one per organisation, its charges inline, saved together by the service."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline, business_of
from crmcom.core.formsets import forms_for_service
from finance.models import ProductKind
from orders.models import DeliveryMethod, FulfilmentCharge, FulfilmentPolicy, SupplyMethod
from orders.services.policies import check_charge, check_policy, save_policy


class FulfilmentPolicyForm(forms.ModelForm):
    supply_methods = forms.MultipleChoiceField(
        choices=SupplyMethod.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    delivery_methods = forms.MultipleChoiceField(
        choices=DeliveryMethod.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    postcodes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Separated by commas or new lines."
    )

    class Meta:
        model = FulfilmentPolicy
        fields = ["organisation", "supply_methods", "delivery_methods", "postcodes", "radius_km", "allows_modification"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["postcodes"] = ", ".join(self.instance.postcodes)

    def clean_postcodes(self):
        text = self.cleaned_data["postcodes"].replace("\n", ",")
        return [value for value in (part.strip() for part in text.split(",")) if value]

    def _post_clean(self):
        super()._post_clean()  # the instance now has the form's values
        try:
            check_policy(business_id=self.instance.business_id, policy=self.instance)
        except ValidationError as error:
            self._update_errors(error)


class FulfilmentChargeForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()
        policy = getattr(self.instance, "policy", None)
        try:
            check_charge(business_id=policy.business_id if policy else None, charge=self.instance)
        except ValidationError as error:
            self._update_errors(error)


class FulfilmentChargeInline(ScopedTabularInline):
    model = FulfilmentCharge
    form = FulfilmentChargeForm
    fields = ("kind", "product", "per_km", "supply_method")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "product":
            field.queryset = field.queryset.filter(kind=ProductKind.EXPENSE)
        return field

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "supply_method":
            choices = [("", "Every order"), *SupplyMethod.choices]
            return forms.ChoiceField(choices=choices, required=False, label="Supply method")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(FulfilmentPolicy)
class FulfilmentPolicyAdmin(BusinessScopedAdmin):
    form = FulfilmentPolicyForm
    list_display = ("organisation", "methods", "coverage", "allows_modification")
    list_filter = ("allows_modification", "organisation__kind")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)
    inlines = [FulfilmentChargeInline]

    @admin.display(description="Supply / delivery methods")
    def methods(self, policy):
        return " / ".join(", ".join(values) or "—" for values in (policy.supply_methods, policy.delivery_methods))

    @admin.display(description="Coverage")
    def coverage(self, policy):
        parts = [f"{len(policy.postcodes)} postcode(s)"] if policy.postcodes else []
        if policy.radius_km is not None:
            parts.append(f"{policy.radius_km} km")
        return ", ".join(parts) or "—"

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related writes the policy with its charges, so the service sees them together."""

    def save_related(self, request, form, formsets, change):
        charges = [form.instance for formset in formsets for form in forms_for_service(formset)]
        policy = form.instance
        save_policy(business=business_of(request) or policy.business, policy=policy, charges=charges)
