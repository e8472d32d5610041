"""Milestones and invoices of an order, as actions of the order viewset (thin adapters over the services).

- `GET /api/v1/orders/{id}/milestones/`: the order's milestones (paginated).
- `POST /api/v1/orders/{id}/milestones/` `{name, amount | percent, stage?, payment_method?}`: a milestone on a
  stage ahead of the order's, or ad hoc (no stage: invoiced at once, paid at once with `payment_method`).
  400 when the milestones would add up to more than the order total; 409 on a closed order or a queue that
  does not invoice by milestones.
- `DELETE /api/v1/orders/{id}/milestones/{milestone_id}/`: only while not reached (409 once reached).
- `GET /api/v1/orders/{id}/invoices/`: the invoices issued for the order, why, and their credit notes.
- `POST /api/v1/orders/{id}/retry-payments/`: the due invoices paid again from what is left of the plan
  (orders.services.payment_retry); the order, or 409 when nothing is due or the plan has nothing left.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.serializers import BusinessScopedModelSerializer, money_string
from crmcom.core.money import round_money
from finance.models import CreditNote, PaymentMethod
from orders.models import Milestone, OrderInvoice, OrderInvoiceReason, Stage
from orders.services.milestones import add_milestone, remove_milestone
from orders.services.payment_retry import retry_order_payments


def show(amount, currency: str) -> str | None:
    return None if amount is None else money_string(round_money(amount, currency), currency)


class MilestoneSerializer(BusinessScopedModelSerializer):
    """A milestone; write `amount` or `percent` (of the order total, rounded half-up to the minor unit)."""

    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.all(), required=False, allow_null=True, help_text="Empty: an ad hoc milestone."
    )
    amount = serializers.DecimalField(max_digits=19, decimal_places=4, required=False)
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, write_only=True, help_text="Of the order total."
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        write_only=True,
        help_text="Ad hoc milestones only: record its payment at once.",
    )
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, default=None)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "name",
            "stage",
            "amount",
            "percent",
            "is_ad_hoc",
            "reached_at",
            "invoice",
            "invoice_number",
            "payment_method",
        ]
        read_only_fields = ["is_ad_hoc", "reached_at", "invoice"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["amount"] = show(instance.amount, self.context["currency"])
        return data


class OrderInvoiceSerializer(serializers.ModelSerializer):
    """One invoice of the order: why it was issued (upfront, milestone, ponr, delivery, final, cancellation)."""

    id = serializers.IntegerField(source="invoice_id", read_only=True)
    reason = serializers.ChoiceField(choices=OrderInvoiceReason.choices, read_only=True)
    number = serializers.CharField(source="invoice.number", read_only=True)
    state = serializers.CharField(source="invoice.state", read_only=True)
    issued_at = serializers.DateTimeField(source="invoice.issued_at", read_only=True)
    credit_notes = serializers.SerializerMethodField()

    class Meta:
        model = OrderInvoice
        fields = ["id", "number", "reason", "state", "issued_at", "credit_notes"]

    def get_credit_notes(self, link) -> list[str]:
        return [note.number for note in link.invoice.credit_notes.all()]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        invoice = instance.invoice
        for name in ("net_total", "tax_total", "total", "credited_total", "paid_total", "due"):
            data[name] = show(getattr(invoice, name), invoice.currency)
        data["currency"] = invoice.currency
        return data


class OrderBillingActions:
    """Mixed into the order viewset: its get_object() scopes the order to the caller's business."""

    def _billing_page(self, queryset, serializer_class, context: dict):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context={**self.get_serializer_context(), **context}).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=MilestoneSerializer, responses={200: MilestoneSerializer(many=True), 201: MilestoneSerializer}
    )
    @action(detail=True, methods=["get", "post"], serializer_class=MilestoneSerializer)
    def milestones(self, request, pk=None):
        """List the order's milestones, or add one (ad hoc without a stage)."""
        order = self.get_object()
        context = {"currency": order.currency}
        if request.method == "GET":
            queryset = Milestone.objects.filter(order=order).select_related("invoice").order_by("pk")
            return self._billing_page(queryset, MilestoneSerializer, context)
        serializer = MilestoneSerializer(data=request.data, context={**self.get_serializer_context(), **context})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        milestone = add_milestone(
            order=order,
            name=data.get("name", ""),
            amount=data.get("amount"),
            percent=data.get("percent"),
            stage=data.get("stage"),
            payment_method=data.get("payment_method"),
            user=request.user,
        )
        milestone = Milestone.objects.select_related("invoice").get(pk=milestone.pk)
        return Response(MilestoneSerializer(milestone, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"milestones/(?P<milestone_id>[0-9]+)")
    def remove_milestone(self, request, pk=None, milestone_id=None):
        """Remove a milestone not reached yet (409 once reached)."""
        order = self.get_object()
        milestone = get_object_or_404(Milestone, pk=milestone_id, order=order)
        remove_milestone(milestone=milestone, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=OrderInvoiceSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=OrderInvoiceSerializer)
    def invoices(self, request, pk=None):
        """The invoices issued for the order, oldest first, with the numbers of their credit notes."""
        order = self.get_object()
        queryset = (
            OrderInvoice.objects.filter(order=order)
            .select_related("invoice")
            .prefetch_related(Prefetch("invoice__credit_notes", queryset=CreditNote.objects.order_by("pk")))
            .order_by("created_at", "pk")
        )
        return self._billing_page(queryset, OrderInvoiceSerializer, {})

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="retry-payments")
    def retry_payments(self, request, pk=None):
        """Take the order's due payments again from what is left of its plan (after a declined card, say): the
        order, its `payment_failures` resolved or failed again; 409 when nothing is due or nothing is left."""
        return self.order_response(retry_order_payments(order=self.get_object(), user=request.user).order)
