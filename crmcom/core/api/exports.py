"""Whole-list downloads as CSV (streamed) or XLSX: reports and account statements share this one path."""

import csv
from io import BytesIO
from itertools import chain

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from rest_framework import renderers

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Spreadsheets run cells that start like a formula: a serial number "=cmd()" must stay text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class Echo:
    """csv.writer target that hands each written line back, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def export_response(rows, *, columns: dict[str, str], fmt: str, filename: str):
    """The rows (dicts) as a CSV (streamed) or XLSX download, with `columns` (key → header) in that order."""
    lines = ([safe_cell(row[key]) for key in columns] for row in rows)
    header = list(columns.values())
    if fmt == "csv":
        writer = csv.writer(Echo())
        response = StreamingHttpResponse(
            (writer.writerow(line) for line in chain([header], lines)), content_type="text/csv; charset=utf-8"
        )
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(filename[:31])
        for line in chain([header], lines):
            sheet.append(line)
        buffer = BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


class DownloadRenderer(renderers.BaseRenderer):
    """Lets `?format=csv|xlsx` through content negotiation; the view answers with the file itself.

    What reaches `render` is an error body (404, 403…): it is written as text.
    """

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return "" if data is None else str(data)


class CSVDownloadRenderer(DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXDownloadRenderer(DownloadRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
