"""Queues with their stages inline; written through orders.services.queues (never `formset.save()`)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline, business_of
from crmcom.core.admin_helpers import apply_to_each
from crmcom.core.formsets import forms_for_service, kept_forms
from orders.fields import STAGE_RULE_FIELDS
from orders.models import Queue, Stage
from orders.services.queues import check_removable, check_stages, delete_queue, save_queue, set_default_queue


class StageForm(forms.ModelForm):
    def validate_unique(self):
        """Positions, names and the one PoNR are the queue's rules over the whole list (StageFormSet.clean):
        checked row by row against the stored stages they would refuse a swap of two positions."""


class StageFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form.instance for form in kept_forms(self)]
        try:
            check_stages(queue=self.instance, stages=kept)
            if self.instance.pk:
                check_removable(queue=self.instance, kept=[stage.pk for stage in kept if stage.pk])
        except ValidationError as error:  # keyed by field; a formset's own errors are a plain list
            raise ValidationError(error.messages) from None


class StageInline(ScopedTabularInline):
    model = Stage
    form = StageForm
    formset = StageFormSet
    fields = ("position", "name", *STAGE_RULE_FIELDS)
    ordering = ("position",)


@admin.register(Queue)
class QueueAdmin(BusinessScopedAdmin):
    """A queue and its stages are saved together by the service; the default moves by the action."""

    list_display = ("name", "is_default", "invoicing_model", "is_device_plan")
    list_filter = ("is_default", "invoicing_model", "is_device_plan")
    search_fields = ("name", "stages__name")
    fields = ("name", "is_default", "invoicing_model", "is_device_plan")
    readonly_fields = ("is_default",)
    inlines = [StageInline]
    actions = ["make_default"]

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related writes the queue with its stages, so the service sees them together."""

    def save_related(self, request, form, formsets, change):
        stages = [form.instance for form in forms_for_service(formsets[0])] if formsets else None
        queue = form.instance
        save_queue(business=business_of(request) or queue.business, queue=queue, stages=stages)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes go one by one through the service
        return actions

    def delete_model(self, request, obj):
        delete_queue(queue=obj)

    @admin.action(description="Make the selected queue the default", permissions=["change"])
    def make_default(self, request, queryset):
        queues = list(queryset.order_by("pk"))
        if len(queues) != 1:
            self.message_user(request, "Choose one queue: there is one default queue.", level="error")
            return

        def make(queue):
            set_default_queue(queue=queue)
            return f"“{queue}” is now the default queue."

        apply_to_each(self, request, queues, make)
