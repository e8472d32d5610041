"""Automations API: `/api/v1/webhook-endpoints/`, `/api/v1/automation-rules/` and the read-only delivery log
`/api/v1/webhook-deliveries/` (with a retry action). Writes go through crmcom.automations.services."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contacts.models import User
from contacts.selectors import business_staff
from crmcom.automations.models import AutomationRule, WebhookDelivery, WebhookEndpoint
from crmcom.automations.services import retry_delivery, rotate_secret, save_endpoint, save_rule
from crmcom.core.api.serializers import BusinessScopedModelSerializer
from crmcom.core.api.views import BusinessScopedMixin, BusinessScopedViewSet


class WebhookEndpointSerializer(BusinessScopedModelSerializer):
    """The secret is shown once: in the answer to the creation and to each rotation."""

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "is_active"]


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="HMAC-SHA256 key of the X-CRM-Signature header; keep it, it is not shown again."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class AutomationRuleSerializer(BusinessScopedModelSerializer):
    users = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=User.objects.all(),
        required=False,
        help_text="Staff emailed (email_users) or asked to approve (approval_request).",
    )

    class Meta:
        model = AutomationRule
        fields = ["id", "name", "event", "action", "endpoint", "users", "ask_contact", "is_active"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:  # staff of the caller's business only (users are not tenant rows)
            fields["users"].child_relation.queryset = business_staff(getattr(request.user, "business_id", None))
        return fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "rule",
            "event",
            "payload",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "delivered_at",
            "next_attempt_at",
        ]
        read_only_fields = fields


class WebhookEndpointViewSet(BusinessScopedViewSet):
    """URLs that receive the business's events, each signing with its own secret. An endpoint that rules still
    call is not deleted (409)."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    filterset_fields = ["is_active"]
    search_fields = ["name", "url"]
    ordering_fields = ["name", "id"]

    def get_serializer_class(self):
        if self.action in ("create", "rotate_secret"):
            return WebhookEndpointSecretSerializer
        return super().get_serializer_class()

    def write(self, instance):
        return save_endpoint(business=self.business, endpoint=instance)

    @extend_schema(request=None, responses={200: WebhookEndpointSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = rotate_secret(endpoint=self.get_object())
        return Response(self.get_serializer(endpoint).data)


class AutomationRuleViewSet(BusinessScopedViewSet):
    """Event → action: call a webhook, email the contact, email users, or ask users (and the contact) to approve."""

    queryset = AutomationRule.objects.prefetch_related("users")
    serializer_class = AutomationRuleSerializer
    filterset_fields = ["event", "action", "endpoint", "is_active"]
    search_fields = ["name"]
    ordering_fields = ["event", "name", "id"]

    def save_object(self, instance, validated_data: dict):
        data = dict(validated_data)
        users = data.pop("users", None)
        for field, value in data.items():
            setattr(instance, field, value)
        return save_rule(business=self.business, rule=instance, users=users)


class WebhookDeliveryViewSet(BusinessScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The log of webhook calls: status, attempts, the last answer or error. A failed one can be sent again."""

    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status", "event", "endpoint", "rule"]
    ordering_fields = ["created_at", "id"]

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        retry_delivery(delivery=self.get_object())
        return Response(self.get_serializer(self.get_object()).data)  # as it is now (eager tasks already ran)
