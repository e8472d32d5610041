"""Admin list filters on a relation to a business-owned model offer only the staff member's rows."""

from django.contrib.admin.filters import FieldListFilter, RelatedFieldListFilter

from crmcom.core.tenancy import is_tenant_model, scope_queryset


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin) or ()
        rows = scope_queryset(field.related_model._default_manager.all(), request.user)
        return [(row.pk, str(row)) for row in rows.order_by(*ordering)]


def register_scoped_filters() -> None:
    """Make the scoped filter the default for every relation to a tenant model (called once, at start-up)."""
    FieldListFilter.register(
        lambda field: bool(field.remote_field) and is_tenant_model(field.related_model),
        ScopedRelatedFieldListFilter,
        take_priority=True,
    )
