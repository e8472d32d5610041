"""Device import: ONE code path for the admin (through DeviceResource), the API, `manage.py import_devices`
and the Celery task.

`import_devices` checks every row (inventory.services.import_validation) and, unless it is a dry run or any
row failed, posts them all through one STOCK_IN (inventory.services.import_writer): all or nothing.
`start_device_import` records an upload as a DeviceImport and runs it now, or in Celery when the file has
more rows than settings.DEVICE_IMPORT_ASYNC_ROWS; `run_device_import` runs a recorded one with progress.
"""

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.models import DeviceImport, ImportStatus, Warehouse, WarehouseTransaction
from inventory.services.import_columns import Table, clean_mapping, map_columns, read_table
from inventory.services.import_validation import NewDevice, blank, check_rows, header_problems
from inventory.services.import_writer import post_imported_devices

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 1_000  # a file of 100,000 bad rows reports the first thousand, and how many more


@dataclass
class ImportOutcome:
    total_rows: int
    created: int = 0
    errors: list[dict] = field(default_factory=list)
    devices: list[NewDevice] = field(default_factory=list)  # the checked rows (a dry run's preview)
    transaction: WarehouseTransaction | None = None


def import_devices(
    *,
    business,
    warehouse: Warehouse,
    headers: list,
    rows: Iterable[Sequence],
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
    user=None,
    reason: str = "Device import",
    reference: str = "",
    progress: Callable[[int], None] | None = None,
    on_posted: Callable[[WarehouseTransaction, int], None] | None = None,
) -> ImportOutcome:
    """Check every row; post them all as one STOCK_IN unless it is a dry run or any row has an error.

    `columns` maps file headers to targets where their names do not (import_columns.map_columns); a malformed
    mapping raises ValidationError on `columns`, a header or target it gets wrong is a file-level error.
    """
    if warehouse.business_id != business.pk:
        raise ValidationError({"warehouse": "Unknown for this business."})
    columns = clean_mapping(columns)
    rows = list(rows)
    checked = check_rows(
        business=business, warehouse=warehouse, headers=headers, rows=rows, columns=columns, progress=progress
    )
    outcome = ImportOutcome(total_rows=checked.total_rows, errors=reported(checked.errors), devices=checked.devices)
    if outcome.errors or dry_run:
        return outcome
    try:
        outcome.transaction = post_imported_devices(
            business=business,
            warehouse=warehouse,
            devices=checked.devices,
            user=user,
            reason=reason,
            reference=reference,
            on_posted=on_posted,
        )
    except IntegrityError:
        # Another import took some of these serial numbers between the check and the write: name them.
        checked = check_rows(business=business, warehouse=warehouse, headers=headers, rows=rows, columns=columns)
        if not checked.errors:
            raise
        outcome.errors = reported(checked.errors)
        return outcome
    outcome.created = len(checked.devices)
    return outcome


def reported(errors: list) -> list[dict]:
    shown = [error.as_dict() for error in errors[:MAX_REPORTED_ERRORS]]
    if len(errors) > MAX_REPORTED_ERRORS:
        more = len(errors) - MAX_REPORTED_ERRORS
        shown.append({"row": None, "field": None, "message": f"… and {more} more errors."})
    return shown


def runs_in_background(total_rows: int) -> bool:
    return total_rows > settings.DEVICE_IMPORT_ASYNC_ROWS


def start_device_import(
    *,
    business,
    warehouse: Warehouse,
    file,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
    user=None,
    background: bool | None = None,
) -> DeviceImport:
    """Record an uploaded file (CSV or XLSX) and its column mapping as a DeviceImport and run it.

    It runs now, or (`background`, by default when the file has more rows than DEVICE_IMPORT_ASYNC_ROWS)
    in a Celery task enqueued once the record is committed; the task reads the mapping from the record.
    A file whose header does not map runs now: its errors need no worker. An unreadable file or a malformed
    mapping raises ValidationError.
    """
    if warehouse.business_id != business.pk:
        raise ValidationError({"warehouse": "Unknown for this business."})
    columns = clean_mapping(columns)
    name = os.path.basename(file.name or "devices.csv")
    data = file.read()
    table = read_table(data, name)
    total_rows = sum(1 for row in table.rows if not all(blank(cell) for cell in row))
    if background is None:
        mapped = map_columns(table.headers, columns)
        background = runs_in_background(total_rows) and not header_problems(business=business, columns=mapped)
    device_import = DeviceImport(
        business=business,
        warehouse=warehouse,
        columns=columns,
        dry_run=dry_run,
        total_rows=total_rows,
        created_by=user,
    )
    device_import.file.save(name, ContentFile(data), save=False)
    with transaction.atomic():
        device_import.save()
        if background:
            transaction.on_commit(lambda: enqueue(device_import.pk))
    if not background:
        run_device_import(device_import, table=table)
    return device_import


def enqueue(import_id: int) -> None:
    from inventory.tasks import process_device_import  # the task module imports this one

    process_device_import.delay(import_id)


def run_device_import(device_import: DeviceImport, *, table: Table | None = None) -> DeviceImport:
    """Run a QUEUED import (once: a second delivery of the task finds it taken), keeping its progress."""
    queued = DeviceImport.objects.filter(pk=device_import.pk, status=ImportStatus.QUEUED)
    if not queued.update(status=ImportStatus.RUNNING):
        device_import.refresh_from_db()
        return device_import
    device_import.status = ImportStatus.RUNNING
    record = DeviceImport.objects.filter(pk=device_import.pk)

    def progress(processed: int) -> None:
        record.update(processed_rows=processed)

    def finish(txn: WarehouseTransaction, created: int) -> None:  # inside the posting's database transaction
        record.update(
            status=ImportStatus.SUCCEEDED,
            transaction=txn,
            total_rows=created,
            processed_rows=created,
            created=created,
            finished_at=timezone.now(),
        )

    try:
        if table is None:
            with device_import.file.open("rb") as stored:
                table = read_table(stored.read(), device_import.file.name)
        outcome = import_devices(
            business=device_import.business,
            warehouse=device_import.warehouse,
            headers=table.headers,
            rows=table.rows,
            columns=device_import.columns,
            dry_run=device_import.dry_run,
            user=device_import.created_by,
            reason=f"Device import #{device_import.pk}",
            reference=os.path.basename(device_import.file.name),
            progress=progress,
            on_posted=finish,
        )
    except ValidationError as error:
        outcome = ImportOutcome(
            total_rows=0, errors=[{"row": None, "field": "file", "message": m} for m in error.messages]
        )
    except Exception:
        logger.exception("Device import #%s failed", device_import.pk)
        message = "The import stopped on an unexpected error; nothing was written."
        record.update(status=ImportStatus.FAILED, errors=[{"row": None, "field": None, "message": message}])
        raise
    if outcome.transaction is None:
        status = ImportStatus.FAILED if outcome.errors else ImportStatus.VALIDATED
        record.update(
            status=status,
            errors=outcome.errors,
            total_rows=outcome.total_rows or device_import.total_rows,
            processed_rows=outcome.total_rows or device_import.total_rows,
            finished_at=timezone.now(),
        )
    device_import.refresh_from_db()
    return device_import
