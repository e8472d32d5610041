from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel


class MeterReadingType(TenantModel):
    """What a meter measures (electricity, data, water) and in which unit."""

    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["business", "name"], name="reading_type_unique_per_business")]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class MeterReading(TenantModel):
    """A device's meter value at a time; a value below the previous one needs is_reset."""

    device = models.ForeignKey("inventory.Device", on_delete=models.CASCADE, related_name="meter_readings")
    reading_type = models.ForeignKey(MeterReadingType, on_delete=models.PROTECT, related_name="readings")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    read_at = models.DateTimeField()
    is_reset = models.BooleanField(default=False, help_text="The meter was reset or replaced before this reading.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["device", "reading_type", "read_at"]
        constraints = [
            models.UniqueConstraint(fields=["device", "reading_type", "read_at"], name="one_reading_per_time"),
            models.CheckConstraint(condition=Q(value__gte=0), name="reading_value_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.value} at {self.read_at:%Y-%m-%d %H:%M}"
