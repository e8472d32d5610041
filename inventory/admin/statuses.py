from django.contrib import admin

from crmcom.core.admin import BusinessScopedAdmin, business_of
from inventory.models import DeviceStatus
from inventory.services.device_statuses import delete_device_status, save_device_status


@admin.register(DeviceStatus)
class DeviceStatusAdmin(BusinessScopedAdmin):
    list_display = ("name", "state", "is_default")
    list_filter = ("state", "is_default")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        save_device_status(business=business_of(request), status=obj)

    def has_delete_permission(self, request, obj=None):
        # the service refuses the default status of a state; the admin does not offer it
        return not (obj is not None and obj.is_default) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # each deletion goes through delete_device_status
        return actions

    def delete_model(self, request, obj):
        delete_device_status(status=obj)
