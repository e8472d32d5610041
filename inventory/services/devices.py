"""Device life cycle: every state move goes through here, keeping status, owner, place and balances in step."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django_fsm import can_proceed

from crmcom.core.exceptions import StateConflict
from crmcom.core.models import CustomFieldTarget
from crmcom.core.services import validate_custom_fields
from crmcom.core.typed_values import coerce_values
from inventory.exceptions import IllegalTransition
from inventory.models import Connectivity, Device, DeviceState, DeviceStatus, OwnerType, StockInStatusRule
from inventory.services.balances import Deltas, apply_deltas

ACTION_WORDS = {
    "dispatch": "dispatched",
    "sell": "sold",
    "rent": "rented",
    "return_to_stock": "returned to stock",
    "block": "blocked",
    "unblock": "unblocked",
}


def default_statuses(business_id: int) -> dict[str, DeviceStatus]:
    return {status.state: status for status in DeviceStatus.objects.filter(business_id=business_id, is_default=True)}


def status_for(*, business_id: int, state: str, status: DeviceStatus | None = None) -> DeviceStatus:
    """The given status if it maps to `state`, else the state's default."""
    if status is None:
        return DeviceStatus.objects.get(business_id=business_id, state=state, is_default=True)
    if status.business_id != business_id:
        raise ValidationError({"status": "Unknown status."})
    if status.state != state:
        raise ValidationError(
            {"status": f"“{status.name}” is a status of {status.get_state_display().lower()} devices, not {state}."}
        )
    return status


def stock_in_status_picker(*, business_id: int, warehouse_id: int, state: str) -> Callable[[int], DeviceStatus]:
    """Which status a device of a product arriving at the warehouse in `state` gets (automation settings).

    The most specific rule wins: product and warehouse, then product, then warehouse; else the default.
    """
    default = status_for(business_id=business_id, state=state)
    rules = list(
        StockInStatusRule.objects.filter(business_id=business_id, status__state=state)
        .filter(Q(warehouse_id=warehouse_id) | Q(warehouse__isnull=True))
        .select_related("status")
    )

    def pick(product_id: int) -> DeviceStatus:
        candidates = [rule for rule in rules if rule.product_id in (None, product_id)]
        if not candidates:
            return default
        return max(candidates, key=lambda rule: (rule.product_id is not None, rule.warehouse_id is not None)).status

    return pick


def lock_device(device: Device) -> Device:
    return Device.objects.select_for_update(no_key=True, of=("self",)).select_related("product").get(pk=device.pk)


def move_device(*, device: Device, action: str, status: DeviceStatus | None = None, reason: str = "", **fields) -> None:
    """Run the transition `action` on a locked device, give it the new state's status and `fields`, save."""
    method = getattr(device, action)
    if not can_proceed(method):
        raise IllegalTransition(
            f"Device {device.serial_number} is {device.get_state_display().lower()}: "
            f"it cannot be {ACTION_WORDS[action]}."
        )
    method()
    device.status = status_for(business_id=device.business_id, state=device.state, status=status)
    for name, value in fields.items():
        setattr(device, name, value)
    device._change_reason = reason
    device.save()


def block_device(*, device: Device, status: DeviceStatus | None = None) -> Device:
    """Keep a device in its warehouse, out of sale and rental; the balance's `blocked` counts it."""
    with transaction.atomic():
        device = lock_device(device)
        move_device(device=device, action="block", status=status, reason="blocked")
        deltas = Deltas()
        deltas.add(device.warehouse_id, device.product_id, blocked=1)
        apply_deltas(business_id=device.business_id, deltas=deltas)
    return device


def unblock_device(*, device: Device, status: DeviceStatus | None = None) -> Device:
    """Back to the state before blocking (new or used), read from the device's history."""
    with transaction.atomic():
        device = lock_device(device)
        move_device(device=device, action="unblock", status=status, reason="unblocked")
        deltas = Deltas()
        deltas.add(device.warehouse_id, device.product_id, blocked=-1)
        apply_deltas(business_id=device.business_id, deltas=deltas)
    return device


def validate_device_details(*, business, product, characteristics: dict | None, custom_fields: dict | None) -> tuple:
    """Characteristics against the product's definitions, custom fields against the business's; cleaned."""
    errors = {}
    cleaned_characteristics = cleaned_custom_fields = {}
    try:
        cleaned_characteristics = coerce_values(list(product.characteristics.all()), characteristics)
    except ValidationError as error:
        errors["characteristics"] = named_messages(error)
    try:
        cleaned_custom_fields = validate_custom_fields(
            business=business, target=CustomFieldTarget.DEVICE, values=custom_fields
        )
    except ValidationError as error:
        errors["custom_fields"] = named_messages(error)
    if errors:
        raise ValidationError(errors)
    return cleaned_characteristics, cleaned_custom_fields


def named_messages(error: ValidationError) -> list[str]:
    """{name: [message]} as ["name: message"]: a ValidationError cannot nest one mapping in another."""
    return [f"{name}: {message}" for name, messages in error.message_dict.items() for message in messages]


EDITABLE_FIELDS = [
    "electronic_id",
    "mac_address",
    "platform",
    "registration_token",
    "wifi_status",
    "connectivity",
]


def update_device(*, device: Device, data: dict) -> Device:
    """Change a device's details (not its state, owner or place: those move through transactions)."""
    unknown = set(data) - {*EDITABLE_FIELDS, "characteristics", "custom_fields", "status"}
    if unknown:
        raise ValidationError({name: "Changes through warehouse transactions, not here." for name in unknown})
    with transaction.atomic():
        device = lock_device(device)
        for name in EDITABLE_FIELDS:
            if name in data:
                setattr(device, name, data[name])
        if "mac_address" in data:
            device.mac_address = normalise_mac(data["mac_address"])
        if "characteristics" in data or "custom_fields" in data:
            device.characteristics, device.custom_fields = validate_device_details(
                business=device.business,
                product=device.product,
                characteristics=data.get("characteristics", device.characteristics),
                custom_fields=data.get("custom_fields", device.custom_fields),
            )
        if "status" in data:
            device.status = status_for(business_id=device.business_id, state=device.state, status=data["status"])
        device.full_clean(exclude=["state"])
        device.save()
    return device


def normalise_mac(value: str) -> str:
    """00-1a-2b-3c-4d-5e and 001A2B3C4D5E both read as 00:1A:2B:3C:4D:5E; anything else is left to validation."""
    digits = value.replace(":", "").replace("-", "").replace(".", "").strip().upper()
    if len(digits) == 12:
        return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
    return value.strip()


def register_own_device(
    *,
    contact,
    product,
    serial_number: str,
    electronic_id: str = "",
    mac_address: str = "",
    platform: str = "",
    registration_token: str = "",
    connectivity: str = Connectivity.NONE,
    characteristics: dict | None = None,
    custom_fields: dict | None = None,
    status: DeviceStatus | None = None,
) -> Device:
    """A device a contact brought: theirs, never stocked in, never returned to a warehouse.

    The serial number is unique in the business, stocked devices included (the database enforces it;
    a concurrent registration of the same serial reads as the same field error).
    """
    if product.business_id != contact.business_id:
        raise ValidationError({"product": "Unknown product."})
    if not product.traceable:
        raise ValidationError({"product": "Own devices are traceable goods: pick a serialised product."})
    cleaned_characteristics, cleaned_custom_fields = validate_device_details(
        business=contact.business, product=product, characteristics=characteristics, custom_fields=custom_fields
    )
    device = Device(
        business_id=contact.business_id,
        product=product,
        serial_number=serial_number.strip(),
        electronic_id=electronic_id.strip(),
        mac_address=normalise_mac(mac_address) if mac_address else "",
        platform=platform.strip(),
        registration_token=registration_token.strip(),
        connectivity=connectivity,
        owner_type=OwnerType.CONTACT,
        owner_contact=contact,
        state=DeviceState.OWN_DEVICE,
        status=status_for(business_id=contact.business_id, state=DeviceState.OWN_DEVICE, status=status),
        characteristics=cleaned_characteristics,
        custom_fields=cleaned_custom_fields,
    )
    device.full_clean(exclude=["state"])  # the protected FSM field cannot be re-set by clean_fields
    device._change_reason = "registered by contact"
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:
        device.validate_constraints()  # a registration that won the race: the same field error as full_clean
        raise
    return device


def remove_own_device(*, device: Device) -> None:
    """A contact takes their device off their list; WiFi and communication devices stay (the network needs them)."""
    with transaction.atomic():
        device = lock_device(device)
        if device.state != DeviceState.OWN_DEVICE:
            raise IllegalTransition(f"Device {device.serial_number} is not a contact's own device.")
        if device.connectivity in (Connectivity.WIFI, Connectivity.COMMUNICATION):
            raise StateConflict(
                f"Device {device.serial_number} is a {device.get_connectivity_display()}: it cannot be removed."
            )
        device._change_reason = "removed by contact"
        device.delete()
