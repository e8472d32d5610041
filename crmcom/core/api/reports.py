"""Report endpoints' base: a paginated, filtered report of the caller's business, or the whole of it as a file.

`?format=csv|xlsx` answers the whole filtered report as a download instead of a page; the admin report
screens (crmcom.core.admin_reports) link here for their exports, so there is one export path.
"""

from itertools import islice

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer

from crmcom.core.api.exports import EXPORT_FORMATS, export_response
from crmcom.core.api.views import BusinessScopedMixin

EXPORT_CHUNK = 2000

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=list(EXPORT_FORMATS),
    description="Download the whole filtered report as a CSV or XLSX file instead of a JSON page.",
)


class ReportView(BusinessScopedMixin, ListAPIView):
    """A paginated, filtered report of the caller's business; `?format=csv|xlsx` downloads all of it."""

    filter_backends = [DjangoFilterBackend]
    export_columns: dict[str, str]
    export_filename: str

    def report(self, queryset):
        """The report's rows from the filtered, scoped queryset."""
        raise NotImplementedError

    def filter_queryset(self, queryset):
        return self.report(super().filter_queryset(queryset))

    def perform_content_negotiation(self, request, force=False):
        # The file is built by list(); anything else (a bad filter's 400) still answers JSON.
        if request.query_params.get("format") in EXPORT_FORMATS:
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def list(self, request, *args, **kwargs):
        fmt = request.query_params.get("format")
        if fmt not in EXPORT_FORMATS:
            return super().list(request, *args, **kwargs)
        rows = self.filter_queryset(self.get_queryset()).iterator(chunk_size=EXPORT_CHUNK)
        return export_response(
            self.serialized(rows), columns=self.export_columns, fmt=fmt, filename=self.export_filename
        )

    def serialized(self, rows):
        """Rows serialized a chunk at a time (one serializer per chunk, not per row)."""
        while chunk := list(islice(rows, EXPORT_CHUNK)):
            yield from self.get_serializer(chunk, many=True).data
