import logging

from celery import shared_task

from inventory.models import DeviceImport
from inventory.selectors import stock_drift
from inventory.services.device_import import run_device_import

logger = logging.getLogger(__name__)


@shared_task
def reconcile_stock() -> int:
    """Daily (beat): log every drifting balance counter; returns how many drift."""
    drifts = stock_drift()
    for drift in drifts:
        logger.error("Stock drift: %s", drift)
    return len(drifts)


@shared_task
def process_device_import(import_id: int) -> str:
    """A large device file (more rows than DEVICE_IMPORT_ASYNC_ROWS): checked and posted with progress."""
    return run_device_import(DeviceImport.objects.get(pk=import_id)).status
