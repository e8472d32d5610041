"""Warehouses and their location trees."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet

from contacts.models import OrganisationKind
from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline, business_of
from crmcom.core.admin_helpers import ServiceRefusalsOnTheForm
from inventory.models import Location, Warehouse
from inventory.services.locations import save_location
from inventory.services.warehouses import check_warehouse_change, save_warehouse


class LocationFormSet(BaseInlineFormSet):
    """New locations belong to their warehouse's business before they are validated."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.business_id is None:
            form.instance.business_id = self.instance.business_id
        return form


class LocationInline(ScopedTabularInline):
    model = Location
    formset = LocationFormSet
    fields = ("name", "kind", "parent")
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        parent = formset.form.base_fields["parent"]
        parent.queryset = parent.queryset.filter(warehouse=obj) if obj else parent.queryset.none()
        return formset


class WarehouseForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()
        try:
            check_warehouse_change(self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Warehouse)
class WarehouseAdmin(ServiceRefusalsOnTheForm, BusinessScopedAdmin):
    """A refusal of save_warehouse past the form's checks (a second default made meanwhile) shows on the form."""

    form = WarehouseForm
    list_display = ("name", "kind", "organisation", "is_default")
    list_filter = ("kind", "organisation", "is_default")
    list_select_related = ("organisation",)
    search_fields = ("name", "organisation__name")
    inlines = [LocationInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "organisation":  # the business's B2B merchants: only they hold stock of their own
            field.queryset = field.queryset.filter(kind=OrganisationKind.B2B_MERCHANT)
        return field

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_default and obj.organisation_id is None:
            return ("organisation", "is_default")  # the business's own default stays so (save_warehouse)
        return ()

    def has_delete_permission(self, request, obj=None):
        return False  # as in the API: a warehouse keeps its ledger; sign-up's default one must stay

    def save_model(self, request, obj, form, change):
        save_warehouse(business=business_of(request) or obj.business, warehouse=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Location:
            return super().save_formset(request, form, formset, change)
        for location in formset.save(commit=False):  # deletions: refused by the form when still in use
            save_location(business=business_of(request) or form.instance.business, location=location)
        for location in formset.deleted_objects:
            location.delete()


@admin.register(Location)
class LocationAdmin(BusinessScopedAdmin):
    list_display = ("name", "warehouse", "kind", "parent")
    list_filter = ("warehouse", "kind")
    search_fields = ("name", "parent__name")
    list_select_related = ("warehouse", "parent__warehouse")

    def get_readonly_fields(self, request, obj=None):
        return ("warehouse",) if obj else ()

    def save_model(self, request, obj, form, change):
        save_location(business=business_of(request) or obj.business, location=obj)
