from django.conf import settings
from django.db import models

from crmcom.core.tenancy import TenantModel


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    VALIDATED = "validated", "Validated (dry run)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class DeviceImport(TenantModel):
    """One upload of a device file: its progress, its row errors, and the STOCK_IN it posted."""

    file = models.FileField(upload_to="device-imports/%Y/%m/")
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    columns = models.JSONField(
        default=dict, blank=True, help_text="The explicit column mapping {file header: target}; others map by name."
    )
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    transaction = models.OneToOneField(
        "inventory.WarehouseTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="device_import"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Device import #{self.pk} ({self.get_status_display()})"
