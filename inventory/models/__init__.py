from inventory.models.devices import (
    Connectivity,
    Device,
    DeviceState,
    DeviceStatus,
    OwnerType,
    StockInStatusRule,
    WifiStatus,
)
from inventory.models.imports import DeviceImport, ImportStatus
from inventory.models.ledger import (
    LinePurpose,
    ReservationState,
    StockBalance,
    StockLedgerEntry,
    StockReservation,
    TransactionKind,
    TransactionState,
    WarehouseTransaction,
    WarehouseTransactionLine,
)
from inventory.models.meters import MeterReading, MeterReadingType
from inventory.models.warehouses import Location, LocationKind, Warehouse, WarehouseKind

__all__ = [
    "Connectivity",
    "Device",
    "DeviceImport",
    "DeviceState",
    "DeviceStatus",
    "ImportStatus",
    "LinePurpose",
    "Location",
    "LocationKind",
    "MeterReading",
    "MeterReadingType",
    "OwnerType",
    "ReservationState",
    "StockBalance",
    "StockInStatusRule",
    "StockLedgerEntry",
    "StockReservation",
    "TransactionKind",
    "TransactionState",
    "Warehouse",
    "WarehouseKind",
    "WarehouseTransaction",
    "WarehouseTransactionLine",
    "WifiStatus",
]
