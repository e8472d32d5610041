"""The orders reports' filters, shared by the API, the admin report screens and the orders dashboard.

Each report reads orders scoped to the caller's business (crmcom.core.tenancy) and filtered here; the
choices offered are the caller's business's rows only (stages through their queue).
"""

import django_filters

from contacts.models import Contact, Organisation
from crmcom.core.api.filters import scoped_choices
from crmcom.core.tenancy import scope_queryset
from orders.models import Order, OrderStatus, Queue, Stage


def scoped_stages(request):
    """Stages of the caller's business (their names show their queue's, hence the join)."""
    if request is None:
        return Stage.objects.none()
    return scope_queryset(Stage.objects.select_related("queue"), request.user)


class OrderReportFilter(django_filters.FilterSet):
    placed_from = django_filters.DateFilter(field_name="placed_at", lookup_expr="date__gte", label="Placed from")
    placed_to = django_filters.DateFilter(field_name="placed_at", lookup_expr="date__lte", label="Placed until")
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    queue = django_filters.ModelChoiceFilter(queryset=scoped_choices(Queue))
    stage = django_filters.ModelChoiceFilter(queryset=scoped_stages)
    contact = django_filters.ModelChoiceFilter(queryset=scoped_choices(Contact))
    organisation = django_filters.ModelChoiceFilter(
        field_name="fulfilled_by", queryset=scoped_choices(Organisation), label="Fulfilled by"
    )

    class Meta:
        model = Order
        fields = ["placed_from", "placed_to", "status", "queue", "stage", "contact", "organisation"]
