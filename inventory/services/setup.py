from inventory.models import DeviceState, DeviceStatus, Warehouse

DEFAULT_WAREHOUSE_NAME = "Main warehouse"


def create_default_warehouse(*, business) -> Warehouse:
    return Warehouse.objects.create(business=business, name=DEFAULT_WAREHOUSE_NAME, is_default=True)


def create_default_device_statuses(*, business) -> list[DeviceStatus]:
    """One default status per device state, named after the state."""
    return DeviceStatus.objects.bulk_create(
        DeviceStatus(business=business, name=state.label, state=state.value, is_default=True) for state in DeviceState
    )
