"""A statement as CSV: every entry with its running balance, streamed a chunk at a time."""

import csv

from django.http import StreamingHttpResponse
from rest_framework import renderers

from crmcom.core.api.serializers import money_string
from crmcom.core.money import round_money

HEADER = ["date", "kind", "number", "description", "amount", "currency", "running_balance"]


class StatementCSVRenderer(renderers.BaseRenderer):
    """Lets `?format=csv` through content negotiation; the view answers with the CSV itself.

    What reaches `render` is an error body (404, 403…): it is written as text.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return "" if data is None else str(data)


class Echo:
    def write(self, value):
        return value


def statement_csv(entries, *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(Echo())

    def rows():
        yield writer.writerow(HEADER)
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    entry.created_at.isoformat(),
                    entry.kind,
                    entry.number,
                    entry.description,
                    money_string(round_money(entry.amount, entry.currency), entry.currency),
                    entry.currency,
                    money_string(round_money(entry.running_balance, entry.currency), entry.currency),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
