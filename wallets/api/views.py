"""Wallets: `/api/v1/wallets/` (list, see, top up, journal) and their cards under `…/{id}/payment-methods/`."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.views import BusinessScopedMixin
from crmcom.core.tenancy import scope_queryset
from wallets.api.serializers import (
    PaymentMethodSerializer,
    TopUpSerializer,
    WalletJournalEntrySerializer,
    WalletSerializer,
)
from wallets.models import PaymentMethod, Wallet
from wallets.selectors import wallets_with_balances
from wallets.services.payment_methods import add_card, make_primary, remove_card
from wallets.services.top_up import top_up_wallet


class WalletViewSet(BusinessScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Wallets open with their contact; money moves only through top-ups and the services that spend."""

    queryset = wallets_with_balances()
    serializer_class = WalletSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["contact"]
    ordering_fields = ["id", "created_at"]

    @extend_schema(request=TopUpSerializer, responses={200: WalletSerializer})
    @action(detail=True, methods=["post"], url_path="top-up")
    def top_up(self, request, pk=None):
        wallet = self.get_object()
        payload = TopUpSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        top_up_wallet(
            wallet=wallet,
            amount=data["amount"],
            currency=data["currency"],
            part=data["balance"],
            payment_method=data.get("payment_method"),
            idempotency_key=data.get("idempotency_key", ""),
            user=request.user,
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={200: WalletJournalEntrySerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], serializer_class=WalletJournalEntrySerializer, filter_backends=[])
    def journal(self, request, pk=None):
        entries = self.get_object().journal.select_related("created_by").order_by("-created_at", "-pk")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(WalletJournalEntrySerializer(page, many=True).data)


class WalletPaymentMethodsMixin(BusinessScopedMixin):
    """The wallet named in the path, in the caller's business (else 404), and its cards."""

    queryset = PaymentMethod.objects.all()
    serializer_class = PaymentMethodSerializer

    def get_wallet(self) -> Wallet:
        if not hasattr(self, "_wallet"):
            self._wallet = get_object_or_404(
                scope_queryset(Wallet.objects.all(), self.request.user), pk=self.kwargs["wallet_id"]
            )
        return self._wallet

    def get_queryset(self):
        return super().get_queryset().filter(wallet=self.get_wallet())


class WalletPaymentMethodListView(WalletPaymentMethodsMixin, generics.ListCreateAPIView):
    filterset_fields = ["is_primary"]
    ordering_fields = ["id", "created_at"]

    def perform_create(self, serializer):
        serializer.instance = add_card(wallet=self.get_wallet(), **serializer.validated_data)


class WalletPaymentMethodDetailView(WalletPaymentMethodsMixin, generics.RetrieveDestroyAPIView):
    """Removing the primary card makes the oldest remaining card primary."""

    def perform_destroy(self, instance):
        remove_card(method=instance)


class WalletPaymentMethodMakePrimaryView(WalletPaymentMethodsMixin, generics.GenericAPIView):
    @extend_schema(request=None, responses={200: PaymentMethodSerializer})
    def post(self, request, *args, **kwargs):
        method = make_primary(method=self.get_object())
        return Response(self.get_serializer(method).data, status=status.HTTP_200_OK)
