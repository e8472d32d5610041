"""Meter readings: a device's meters only count up, except across a reset.

A reading of a (device, reading type) may not be below the reading before it (by `read_at`) unless it
is marked `is_reset` (the meter was reset or replaced and counts again from zero), nor above the
reading after it unless that one is a reset. Writers of one device are serialised by a lock on the
device row, so two concurrent readings are checked one after the other, never against the same past.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crmcom.core.exceptions import StateConflict
from inventory.models import Device, MeterReading, MeterReadingType
from inventory.services.devices import lock_device

FUTURE_TOLERANCE = datetime.timedelta(minutes=5)  # clocks of devices and servers drift a little


def record_meter_reading(
    *,
    device: Device,
    reading_type: MeterReadingType,
    value: Decimal,
    read_at: datetime.datetime,
    is_reset: bool = False,
) -> MeterReading:
    """Store one reading of `device`'s meter of `reading_type`."""
    reading = MeterReading(
        business_id=device.business_id,
        device=device,
        reading_type=reading_type,
        value=value,
        read_at=read_at,
        is_reset=is_reset,
    )
    return save_meter_reading(reading=reading)


def save_meter_reading(*, reading: MeterReading) -> MeterReading:
    """Save a new reading after checking it, under the device's lock, against its neighbours in time."""
    if reading.pk is not None:
        raise StateConflict("A meter reading is never changed: delete it and record the right one.")
    validate_meter_reading(reading)
    with transaction.atomic():
        lock_device(reading.device)
        check_sequence(reading)
        reading.save()
    return reading


def validate_meter_reading(reading: MeterReading) -> None:
    """Every check but the sequence one, which needs the lock; the admin form calls it for early errors."""
    if reading.reading_type.business_id != reading.device.business_id:
        raise ValidationError({"reading_type": "Unknown reading type."})
    reading.business_id = reading.device.business_id
    if timezone.is_naive(reading.read_at):
        raise ValidationError({"read_at": "Give the time with its time zone."})
    if reading.read_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"read_at": "A reading cannot be taken in the future."})
    if reading.value < 0:
        raise ValidationError({"value": "A meter reading cannot be negative."})
    reading.full_clean(exclude=["device", "reading_type"], validate_constraints=False)


def check_sequence(reading: MeterReading) -> None:
    """The new reading fits between its neighbours in time (call with the device locked)."""
    series = MeterReading.objects.filter(device_id=reading.device_id, reading_type_id=reading.reading_type_id)
    if series.filter(read_at=reading.read_at).exists():
        raise ValidationError({"read_at": "This meter already has a reading at that time."})
    previous, following = neighbours(reading)
    if previous and not reading.is_reset and reading.value < previous.value:
        raise ValidationError(
            {
                "value": f"Below the previous reading ({previous.value} at {previous.read_at.isoformat()}): "
                "mark it as a meter reset if the meter was reset or replaced."
            }
        )
    if following and not following.is_reset and following.value < reading.value:
        raise ValidationError(
            {"value": f"Above the next reading ({following.value} at {following.read_at.isoformat()})."}
        )


def neighbours(reading: MeterReading) -> tuple[MeterReading | None, MeterReading | None]:
    """The readings of the same meter just before and just after `reading` in time."""
    series = MeterReading.objects.filter(device_id=reading.device_id, reading_type_id=reading.reading_type_id)
    previous = series.filter(read_at__lt=reading.read_at).order_by("-read_at").first()
    following = series.filter(read_at__gt=reading.read_at).order_by("read_at").first()
    return previous, following


def delete_meter_reading(*, reading: MeterReading) -> None:
    """Take a reading away; a reset whose removal would leave the meter counting down stays."""
    with transaction.atomic():
        lock_device(reading.device)
        previous, following = neighbours(reading)
        if previous and following and not following.is_reset and following.value < previous.value:
            raise StateConflict(
                f"Without this reset the meter would go down from {previous.value} to {following.value}: "
                "delete the readings after it first."
            )
        reading.delete()
