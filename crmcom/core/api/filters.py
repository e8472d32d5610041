"""API filters on a relation to a business-owned model accept only the caller's rows.

Without this a foreign id would filter to an empty list where an unknown id answers 400: a way to
learn that another business's id exists.
"""

from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend, FilterSet

from crmcom.core.tenancy import is_tenant_model, scope_queryset


def scoped_choices(model, **filters):
    """Filter choices: the requesting user's business's rows of `model` (none without a request)."""

    def queryset(request):
        if request is None:
            return model._default_manager.none()
        return scope_queryset(model._default_manager.filter(**filters), request.user)

    return queryset


class BusinessScopedFilterSet(FilterSet):
    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        filter_ = super().filter_for_field(field, field_name, lookup_expr)
        related = getattr(field, "related_model", None)
        if isinstance(filter_, ModelChoiceFilter | ModelMultipleChoiceFilter) and is_tenant_model(related):
            filter_.queryset = scoped_choices(related)
        return filter_


class BusinessScopedFilterBackend(DjangoFilterBackend):
    filterset_base = BusinessScopedFilterSet
