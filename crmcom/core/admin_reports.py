"""Admin report screens: reports in the admin's look, with filters and exports.

Views rather than ModelAdmins: a report is not one model's changelist (the balance report sums rows per
product), and a proxy model would need a migration. Staff only, scoped to the staff member's business
like every admin screen; the filters are the API's FilterSets and the exports link to the API's
`?format=csv|xlsx`, so the screen, the API and the files always agree.
"""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from crmcom.core.tenancy import scope_queryset


def cells(row: dict, columns) -> list[tuple]:
    """(value, is a number) per column: numbers are right-aligned."""
    return [(row.get(key, ""), isinstance(row.get(key), int)) for key in columns]


def export_url(api_url: str, filters, fmt: str) -> str:
    query = filters.copy()
    query["format"] = fmt
    return f"{api_url}?{query.urlencode()}"


@method_decorator(staff_member_required, name="dispatch")
class ReportScreen(TemplateView):
    """One report: a filter form, a page of rows, totals where they make sense, CSV/XLSX export links."""

    template_name = "admin/report.html"
    per_page = 50
    title: str
    model: type
    permission: str
    filterset_class: type
    serializer_class: type
    columns: dict[str, str]
    api_url_name: str
    dashboard_url_name: str
    dashboard_title: str

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def report(self, queryset):
        raise NotImplementedError

    def totals(self, queryset) -> dict | None:
        return None

    def get_context_data(self, **kwargs):
        request = self.request
        scoped = scope_queryset(self.model.objects.all(), request.user)
        filterset = self.filterset_class(request.GET, queryset=scoped, request=request)
        filtered = filterset.qs if filterset.is_valid() else scoped.none()
        page = Paginator(self.report(filtered), self.per_page).get_page(request.GET.get("page"))
        rows = self.serializer_class(page.object_list, many=True, context={"request": request}).data
        totals = self.totals(filtered)
        filters = request.GET.copy()
        filters.pop("page", None)
        api_url = reverse(self.api_url_name)
        return {
            **super().get_context_data(**kwargs),
            **admin.site.each_context(request),
            "title": self.title,
            "dashboard_url": reverse(self.dashboard_url_name),
            "dashboard_title": self.dashboard_title,
            "filterset": filterset,
            "headers": list(self.columns.values()),
            "table": [cells(row, self.columns) for row in rows],
            "totals": cells(totals, self.columns) if totals is not None else None,
            "page_obj": page,
            "filter_query": filters.urlencode(),
            "exports": {fmt: export_url(api_url, filters, fmt) for fmt in ("csv", "xlsx")},
        }
