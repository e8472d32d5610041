"""Devices (details edited through update_device; state only through services) and stock-in status rules."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from crmcom.core.admin import BusinessScopedAdmin, business_of
from crmcom.core.admin_helpers import AdminLogHistory, apply_to_each
from inventory.models import Device, StockInStatusRule
from inventory.resources import DeviceResource
from inventory.services.devices import (
    EDITABLE_FIELDS,
    block_device,
    normalise_mac,
    status_for,
    unblock_device,
    update_device,
    validate_device_details,
)
from inventory.services.stock_in_rules import STOCK_IN_STATES, save_stock_in_rule, validate_stock_in_rule

DETAIL_FIELDS = (*EDITABLE_FIELDS, "status", "characteristics", "custom_fields")
PLACE_FIELDS = (
    "serial_number",
    "product",
    "state",
    "owner_type",
    "owner_contact",
    "owner_organisation",
    "warehouse",
    "location",
    "created_at",
    "updated_at",
)


class DeviceForm(forms.ModelForm):
    """The details update_device may change, checked the way it checks them."""

    mac_address = forms.CharField(label="MAC address", max_length=17, required=False)

    class Meta:
        model = Device
        fields = DETAIL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        status.queryset = status.queryset.filter(state=self.instance.state)  # a status of the device's own state

    def clean_mac_address(self):
        return normalise_mac(self.cleaned_data["mac_address"])

    def clean(self):
        data = super().clean()
        device = self.instance
        try:
            data["characteristics"], data["custom_fields"] = validate_device_details(
                business=device.business,
                product=device.product,
                characteristics=data.get("characteristics"),
                custom_fields=data.get("custom_fields"),
            )
            if data.get("status"):
                status_for(business_id=device.business_id, state=device.state, status=data["status"])
        except ValidationError as error:
            self.add_error(None, error)
        return data


@admin.register(Device)
class DeviceAdmin(BusinessScopedAdmin):
    """Devices arrive by stock-in, import or registration; here their details change, and they are blocked."""

    form = DeviceForm
    resource_classes = [DeviceResource]  # CSV/XLSX export in the import file's shape
    list_display = ("serial_number", "product", "state", "status", "owner", "warehouse", "location")
    list_filter = (
        "state",
        "status",
        ("product", admin.RelatedOnlyFieldListFilter),  # the products that have devices, not the whole catalogue
        "warehouse",
        "owner_type",
    )
    search_fields = ("serial_number", "mac_address", "electronic_id")
    list_select_related = ("product", "status", "owner_contact", "owner_organisation", "warehouse", "location")
    readonly_fields = PLACE_FIELDS
    fieldsets = (
        (None, {"fields": ("serial_number", "product", "state", "status")}),
        ("Owner and place", {"fields": PLACE_FIELDS[3:8]}),
        ("Details", {"fields": (*EDITABLE_FIELDS, "characteristics", "custom_fields")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    actions = ["block", "unblock"]

    @admin.display(description="Owner", ordering="owner_type")
    def owner(self, device: Device) -> str:
        party = device.owner_contact or device.owner_organisation
        return f"{device.get_owner_type_display()}: {party}" if party else device.get_owner_type_display()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        update_device(device=obj, data={name: form.cleaned_data[name] for name in form.changed_data})

    @admin.action(description="Block selected devices", permissions=["change"])
    def block(self, request, queryset):
        def block(device):
            block_device(device=device)
            return f"Device {device.serial_number} blocked."

        apply_to_each(self, request, queryset.order_by("pk"), block)

    @admin.action(description="Unblock selected devices", permissions=["change"])
    def unblock(self, request, queryset):
        def unblock(device):
            state = unblock_device(device=device).get_state_display().lower()
            return f"Device {device.serial_number} unblocked: {state} again."

        apply_to_each(self, request, queryset.order_by("pk"), unblock)


class StockInStatusRuleForm(forms.ModelForm):
    """Checked by the service, whose messages say what the database constraints only refuse."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        status.queryset = status.queryset.filter(state__in=STOCK_IN_STATES)

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | {"warehouse", "product"}

    def _post_clean(self):
        super()._post_clean()
        if self.instance.status_id and not any(name in self.errors for name in ("warehouse", "product", "status")):
            try:
                validate_stock_in_rule(self.instance)
            except ValidationError as error:
                self._update_errors(error)


@admin.register(StockInStatusRule)
class StockInStatusRuleAdmin(AdminLogHistory, BusinessScopedAdmin):
    """Automation settings: the status devices get when stocked in, per warehouse, product or both."""

    form = StockInStatusRuleForm
    list_display = ("__str__", "warehouse", "product", "status")
    list_filter = ("warehouse", ("product", admin.RelatedOnlyFieldListFilter), "status")
    search_fields = ("product__sku", "product__name", "warehouse__name", "status__name")
    list_select_related = ("warehouse", "product", "status")

    def save_model(self, request, obj, form, change):
        save_stock_in_rule(business=business_of(request) or obj.business, rule=obj)
