"""Invoices, credit notes and accounts (API.md "Finance and wallets"): thin adapters over the services."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.exports import EXPORT_FORMATS, CSVDownloadRenderer, XLSXDownloadRenderer, export_response
from crmcom.core.api.serializers import money_string
from crmcom.core.api.views import BusinessScopedMixin
from crmcom.core.money import round_money
from finance import selectors
from finance.api.document_serializers import (
    AccountSerializer,
    CreditNoteSerializer,
    InvoiceSerializer,
    StatementEntrySerializer,
)
from finance.models import Account, CreditNote, CreditNoteLine, Invoice
from finance.services.credit_notes import CreditLineInput, issue_credit_note
from finance.services.invoices import InvoiceLineInput, cancel_invoice, create_invoice, issue_invoice


class InvoiceViewSet(
    BusinessScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Created and issued in one go (201 with its number), or kept a draft and issued later."""

    queryset = Invoice.objects.prefetch_related("lines")
    serializer_class = InvoiceSerializer
    http_method_names = ["get", "post", "head", "options"]  # issued documents are credited, never edited
    filterset_fields = ["state", "contact", "currency"]
    search_fields = ["number"]
    ordering_fields = ["created_at", "issued_at", "number", "total", "id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = create_invoice(
            business=self.business,
            contact=data["contact"],
            currency=data.get("currency"),
            warehouse=data.get("warehouse"),
            lines=[InvoiceLineInput(**line) for line in data["lines"]],
            user=self.request.user,
            issue=not data["draft"],
        )

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue a draft: numbered, posted to the account, goods stocked out; 409 when it cannot be."""
        invoice = issue_invoice(invoice=self.get_object(), user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=invoice.pk)).data)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft; an issued invoice is undone by a credit note (409)."""
        invoice = cancel_invoice(invoice=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=invoice.pk)).data)


class CreditNoteViewSet(
    BusinessScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = CreditNote.objects.prefetch_related(
        Prefetch("lines", queryset=CreditNoteLine.objects.select_related("invoice_line"))
    )
    serializer_class = CreditNoteSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["invoice", "account"]
    search_fields = ["number"]
    ordering_fields = ["issued_at", "number", "total", "id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        note = issue_credit_note(
            invoice=data["invoice"],
            lines=[CreditLineInput(**line) for line in data["lines"]],
            reason=data.get("reason", ""),
            user=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=note.pk)


class AccountViewSet(BusinessScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A contact's ledger: its balance is what the contact owes; the statement lists its entries."""

    queryset = Account.objects.all()
    serializer_class = AccountSerializer
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["contact", "currency"]

    @extend_schema(
        responses={(200, "application/json"): StatementEntrySerializer(many=True), (200, "text/csv"): OpenApiTypes.STR},
        parameters=[
            OpenApiParameter(
                "format", str, enum=["json", *EXPORT_FORMATS], description="csv/xlsx: the whole statement."
            )
        ],
    )
    @action(
        detail=True,
        renderer_classes=[
            renderers.JSONRenderer,
            renderers.BrowsableAPIRenderer,
            CSVDownloadRenderer,
            XLSXDownloadRenderer,
        ],
    )
    def statement(self, request, pk=None):
        """Entries oldest first with the running balance (paginated); `?format=csv|xlsx` exports them all."""
        entries = selectors.statement(self.get_object())
        if request.accepted_renderer.format in EXPORT_FORMATS:
            rows = (statement_row(entry) for entry in entries.iterator(chunk_size=2000))
            return export_response(
                rows, columns=STATEMENT_COLUMNS, fmt=request.accepted_renderer.format, filename=f"statement-{pk}"
            )
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(StatementEntrySerializer(page, many=True).data)


STATEMENT_COLUMNS = {
    name: name for name in ["date", "kind", "number", "description", "amount", "currency", "running_balance"]
}


def statement_row(entry) -> dict:
    return {
        "date": entry.created_at.isoformat(),
        "kind": entry.kind,
        "number": entry.number,
        "description": entry.description,
        "amount": money_string(round_money(entry.amount, entry.currency), entry.currency),
        "currency": entry.currency,
        "running_balance": money_string(round_money(entry.running_balance, entry.currency), entry.currency),
    }
