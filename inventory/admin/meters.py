from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from crmcom.core.admin import BusinessScopedAdmin
from crmcom.core.exceptions import StateConflict
from inventory.models import MeterReading, MeterReadingType
from inventory.services.meters import (
    check_sequence,
    delete_meter_reading,
    save_meter_reading,
    validate_meter_reading,
)


@admin.register(MeterReadingType)
class MeterReadingTypeAdmin(BusinessScopedAdmin):
    list_display = ("name", "unit")
    search_fields = ("name", "unit")


class MeterReadingForm(forms.ModelForm):
    """Shows the service's refusals as form errors; save_meter_reading checks the sequence again under its lock."""

    def _post_clean(self):
        super()._post_clean()  # the instance now has the form's values
        if not self.errors:
            try:
                validate_meter_reading(self.instance)
                check_sequence(self.instance)
            except ValidationError as error:
                self._update_errors(error)


@admin.register(MeterReading)
class MeterReadingAdmin(BusinessScopedAdmin):
    """Readings are added through the service (the meter only counts up, except across a reset), never edited.

    The related filters offer only this business's types and devices: RelatedOnlyFieldListFilter reads
    the scoped changelist queryset, where a plain RelatedFieldListFilter would list every business's rows.
    """

    form = MeterReadingForm
    list_display = ("device", "reading_type", "value", "read_at", "is_reset")
    list_filter = (
        ("reading_type", admin.RelatedOnlyFieldListFilter),
        ("device", admin.RelatedOnlyFieldListFilter),
        "is_reset",
    )
    list_select_related = ("device", "reading_type")
    search_fields = ("device__serial_number",)
    date_hierarchy = "read_at"
    raw_id_fields = ("device",)
    fields = ("device", "reading_type", "value", "read_at", "is_reset")
    actions = None  # no bulk delete: each removal is checked by the service

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        save_meter_reading(reading=obj)

    def delete_model(self, request, obj):
        delete_meter_reading(reading=obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except StateConflict as conflict:
            self.message_user(request, conflict.message, messages.ERROR)
            return HttpResponseRedirect(request.path)
