"""Reads of a device's past, from its django-simple-history rows."""

import datetime
from dataclasses import dataclass

from inventory.models import Device


@dataclass(frozen=True)
class DevicePlace:
    """Where a device was and what it was at one moment, as its history recorded it."""

    recorded_at: datetime.datetime  # when the change that put it there was written
    state: str
    status_id: int
    warehouse_id: int | None
    location_id: int | None
    owner_type: str
    owner_contact_id: int | None
    owner_organisation_id: int | None


def device_location_at(device: Device, at: datetime.datetime) -> DevicePlace | None:
    """Where `device` was at `at`: its newest history row at or before then; None before it existed.

    The row as written at the time, reversed postings included: a reversal corrects the books from the
    moment it is posted, not the past. A deletion row (a removed own device) reads as "not there".
    """
    row = (
        device.history.filter(history_date__lte=at)
        .order_by("-history_date", "-history_id")
        .only(
            "history_date",
            "history_type",
            "state",
            "status_id",
            "warehouse_id",
            "location_id",
            "owner_type",
            "owner_contact_id",
            "owner_organisation_id",
        )
        .first()
    )
    if row is None or row.history_type == "-":
        return None
    return DevicePlace(
        recorded_at=row.history_date,
        state=row.state,
        status_id=row.status_id,
        warehouse_id=row.warehouse_id,
        location_id=row.location_id,
        owner_type=row.owner_type,
        owner_contact_id=row.owner_contact_id,
        owner_organisation_id=row.owner_organisation_id,
    )
