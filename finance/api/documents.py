"""Invoices, credit notes and accounts (API.md "Finance and wallets"): thin adapters over the services."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.views import BusinessScopedMixin
from finance import selectors
from finance.api.document_serializers import (
    AccountSerializer,
    CreditNoteSerializer,
    InvoiceSerializer,
    StatementEntrySerializer,
)
from finance.api.statement_csv import StatementCSVRenderer, statement_csv
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
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], description="csv: the whole statement.")],
    )
    @action(
        detail=True,
        renderer_classes=[renderers.JSONRenderer, renderers.BrowsableAPIRenderer, StatementCSVRenderer],
    )
    def statement(self, request, pk=None):
        """Entries oldest first with the running balance (paginated); `?format=csv` exports them all."""
        entries = selectors.statement(self.get_object())
        if request.accepted_renderer.format == StatementCSVRenderer.format:
            return statement_csv(entries, filename=f"statement-{pk}.csv")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(StatementEntrySerializer(page, many=True).data)
