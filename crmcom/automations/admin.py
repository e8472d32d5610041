"""Admin of automations: webhook endpoints (secret shown once, rotated by an action), rules, and the
read-only delivery log with a retry action. Writes go through crmcom.automations.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from contacts.selectors import business_staff
from crmcom.automations.models import AutomationRule, WebhookDelivery, WebhookEndpoint
from crmcom.automations.services import (
    retry_delivery,
    rotate_secret,
    save_endpoint,
    save_rule,
    validate_endpoint,
    validate_rule,
)
from crmcom.core.admin import BusinessScopedAdmin, business_of
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin, apply_to_each


def masked(secret: str) -> str:
    return f"••••••••{secret[-4:]}" if secret else "—"


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", help_text="Where events are POSTed (http or https).")

    def _post_clean(self):
        super()._post_clean()
        if "url" not in self.errors:
            try:
                validate_endpoint(self.instance)
            except ValidationError as error:
                self._update_errors(error)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(BusinessScopedAdmin):
    """The secret is shown in full once, in the message after the endpoint is added or its secret rotated."""

    form = WebhookEndpointForm
    list_display = ("name", "url", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    fields = ("name", "url", "is_active", "secret_hint")
    readonly_fields = ("secret_hint",)
    actions = ["rotate_secrets"]

    @admin.display(description="Secret")
    def secret_hint(self, endpoint: WebhookEndpoint) -> str:
        if endpoint.pk is None:
            return "Made when you save; shown once. Lost it? Rotate the secret."
        return masked(endpoint.secret)

    def save_model(self, request, obj, form, change):
        save_endpoint(business=business_of(request), endpoint=obj)
        if not change:
            self.message_user(request, secret_message(obj), messages.WARNING)

    @admin.action(description="Rotate the secret of selected endpoints", permissions=["change"])
    def rotate_secrets(self, request, queryset):
        apply_to_each(
            self, request, queryset.order_by("pk"), lambda endpoint: secret_message(rotate_secret(endpoint=endpoint))
        )


def secret_message(endpoint: WebhookEndpoint) -> str:
    return f"Secret of “{endpoint}”: {endpoint.secret} — copy it now, it is not shown again."


class AutomationRuleForm(forms.ModelForm):
    def clean(self):
        """The service's checks, before the model's: a field it refuses is then left out of the constraint
        checks, so the form shows the service's message on that field rather than a constraint's name."""
        data = super().clean()
        if not any(name in self.errors for name in ("event", "action", "endpoint", "users", "ask_contact")):
            probe = AutomationRule(
                pk=self.instance.pk,
                business_id=self.instance.business_id,
                event=data.get("event"),
                action=data.get("action"),
                endpoint=data.get("endpoint"),
                ask_contact=bool(data.get("ask_contact")),
            )
            try:
                validate_rule(probe, data.get("users"))
            except ValidationError as error:
                self._update_errors(error)
        return data


@admin.register(AutomationRule)
class AutomationRuleAdmin(BusinessScopedAdmin):
    form = AutomationRuleForm
    list_display = ("name", "event", "action", "endpoint", "ask_contact", "is_active")
    list_filter = ("event", "action", "is_active", "endpoint")
    search_fields = ("name",)
    list_select_related = ("endpoint",)
    fields = ("name", "event", "action", "endpoint", "users", "ask_contact", "is_active")
    filter_horizontal = ("users",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The rule's own business (a platform admin may look at any), else the staff member's.
        request.automation_business_id = obj.business_id if obj is not None else request.user.business_id
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "users":
            business_id = getattr(request, "automation_business_id", request.user.business_id)
            kwargs["queryset"] = business_staff(business_id).filter(is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        save_rule(business=business_of(request), rule=obj, users=form.cleaned_data.get("users", []))

    def save_related(self, request, form, formsets, change):
        """`users` were saved with the rule by the service; there are no inlines."""


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AdminLogHistory, ReadOnlyAdminMixin, BusinessScopedAdmin):
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "response_status", "delivered_at")
    list_filter = ("status", "event", "endpoint", "created_at")
    search_fields = ("endpoint__name", "endpoint__url", "last_error")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"
    fields = (
        "endpoint",
        "rule",
        "event",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "delivered_at",
        "next_attempt_at",
        "payload",
    )
    readonly_fields = fields
    actions = ["retry"]

    def has_retry_permission(self, request) -> bool:
        opts = self.opts
        return request.user.business_id is not None and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    @admin.action(description="Send selected failed deliveries again", permissions=["retry"])
    def retry(self, request, queryset):
        def retry(delivery):
            retry_delivery(delivery=delivery)
            return f"Delivery {delivery.pk} to “{delivery.endpoint}” queued again."

        apply_to_each(self, request, queryset.select_related("endpoint").order_by("pk"), retry)
