from django.db import transaction

from crmcom.core.exceptions import StateConflict
from inventory.models import DeviceStatus


def save_device_status(*, business, status: DeviceStatus) -> DeviceStatus:
    """Add or change a status; making it the default demotes the state's previous default."""
    if status.business_id is None:
        status.business = business
    with transaction.atomic():
        if status.pk is not None:
            previous = DeviceStatus.objects.select_for_update(no_key=True).get(pk=status.pk)
            if previous.is_default and (not status.is_default or previous.state != status.state):
                raise StateConflict("A state always has a default status: make another status the default instead.")
            if previous.state != status.state and previous.devices.exists():
                raise StateConflict(f"Devices have the status “{previous.name}”: its state cannot change.")
        if status.is_default:
            DeviceStatus.objects.filter(business=status.business, state=status.state, is_default=True).exclude(
                pk=status.pk
            ).update(is_default=False)
        status.full_clean()
        status.save()
    return status


def delete_device_status(*, status: DeviceStatus) -> None:
    if status.is_default:
        raise StateConflict("The default status of a state cannot be deleted.")
    status.delete()
