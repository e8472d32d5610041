"""Consumption read from a device's meter readings.

The rule across a reset: a reading marked `is_reset` was taken after the meter was reset (or replaced)
and counted again from zero, so what it shows was all consumed since the reading before it. The interval
ending at a reset therefore consumed the reset's own value (what was used between the previous reading
and the reset itself is unknown and counts as nothing), and the intervals after it count from that
value again. Across a reset, consumption = the previous segment + the value after the reset.
Example: 100, 150, reset 20, 50 → 50 + 20 + 30 = 100.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from inventory.models import Device, MeterReading, MeterReadingType


@dataclass(frozen=True)
class Interval:
    start: datetime.datetime
    end: datetime.datetime
    consumed: Decimal
    reset: bool  # the interval ends at a meter reset


@dataclass
class Consumption:
    reading_type: MeterReadingType
    total: Decimal = Decimal("0")
    intervals: list[Interval] = field(default_factory=list)


def consumption(
    device: Device,
    reading_type: MeterReadingType,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> Consumption:
    """What the meter counted between consecutive readings taken within [start, end] (either end open).

    Only readings inside the window count: the interval from the last reading before `start` to the
    first one after it is not split (nothing is interpolated).
    """
    readings = MeterReading.objects.filter(device=device, reading_type=reading_type)
    if start is not None:
        readings = readings.filter(read_at__gte=start)
    if end is not None:
        readings = readings.filter(read_at__lte=end)
    rows = list(readings.order_by("read_at").values_list("read_at", "value", "is_reset"))
    result = Consumption(reading_type=reading_type)
    for (start_at, start_value, _), (end_at, end_value, is_reset) in pairwise(rows):
        consumed = end_value if is_reset else end_value - start_value
        result.intervals.append(Interval(start=start_at, end=end_at, consumed=consumed, reset=is_reset))
        result.total += consumed
    return result
