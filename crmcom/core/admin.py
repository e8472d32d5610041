"""Admin base classes: every ModelAdmin and inline of the back-office derives from these.

They scope the changelist, the change view and every foreign-key choice to the staff member's
business, and give new rows that business before validation, so per-business unique constraints
are checked by the form rather than failing in the database.
"""

from django.contrib import admin
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from crmcom.core.models import CustomFieldDefinition
from crmcom.core.services import save_tenant_object
from crmcom.core.tenancy import TenantModel, is_platform_admin, is_tenant_model, is_visible_to, scope_queryset


def business_of(request):
    return request.user.business if request.user.business_id else None


def bind_business(form_class, business):
    """A subclass of `form_class` whose new instances belong to `business` before they are validated."""

    class BusinessBoundForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if isinstance(self.instance, TenantModel) and self.instance.business_id is None and business:
                self.instance.business = business

        def _get_validation_exclusions(self):
            # `business` is not a form field, yet constraints that include it must still be checked.
            return super()._get_validation_exclusions() - {"business"}

    BusinessBoundForm.__name__ = form_class.__name__
    return BusinessBoundForm


class ScopedForeignKeysMixin:
    """Limits every foreign-key and many-to-many choice to the staff member's business.

    A subclass may narrow the choices further (kwargs["queryset"]) before calling super(): that queryset is
    scoped too, not replaced."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def scope_choices(db_field, request, kwargs: dict) -> None:
    if is_tenant_model(db_field.related_model):
        choices = kwargs.get("queryset", db_field.related_model._default_manager.all())
        kwargs["queryset"] = scope_queryset(choices, request.user)


class BusinessScopedAdmin(ScopedForeignKeysMixin, ExportMixin, SimpleHistoryAdmin):
    """ModelAdmin for business-owned models: scoped lists, history, CSV/XLSX export."""

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def has_view_or_change_permission(self, request, obj=None):
        return (obj is None or is_visible_to(obj, request.user)) and super().has_view_or_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or is_visible_to(obj, request.user)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or is_visible_to(obj, request.user)) and super().has_delete_permission(request, obj)

    def has_view_history_or_change_history_permission(self, request, obj=None):
        # simple_history's history views read historical rows directly, past get_queryset.
        visible = obj is None or is_visible_to(obj, request.user)
        return visible and super().has_view_history_or_change_history_permission(request, obj)

    def get_list_display(self, request):
        display = super().get_list_display(request)
        if is_platform_admin(request.user) and issubclass(self.model, TenantModel):
            return (*display, "business")
        return display

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if is_platform_admin(request.user) and issubclass(self.model, TenantModel):
            return (*filters, "business")
        return filters

    def has_add_permission(self, request):
        # A platform admin has no business to give new rows; they act as the business's staff do.
        if issubclass(self.model, TenantModel) and business_of(request) is None:
            return False
        return super().has_add_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return bind_business(super().get_form(request, obj, change=change, **kwargs), business_of(request))

    def save_model(self, request, obj, form, change):
        if isinstance(obj, TenantModel):
            save_tenant_object(business=business_of(request), instance=obj)
        else:
            super().save_model(request, obj, form, change)


class ScopedInline(ScopedForeignKeysMixin):
    """Mixin for inlines: foreign-key choices limited to the business."""


class ScopedTabularInline(ScopedInline, admin.TabularInline):
    extra = 0


class ScopedStackedInline(ScopedInline, admin.StackedInline):
    extra = 0


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(BusinessScopedAdmin):
    list_display = ("name", "label", "target", "value_type", "required")
    list_filter = ("target", "value_type", "required")
    search_fields = ("name", "label")
