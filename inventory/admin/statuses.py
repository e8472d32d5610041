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

    def delete_model(self, request, obj):
        delete_device_status(status=obj)
