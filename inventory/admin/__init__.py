"""Inventory admin screens, one module per area (each registers its own ModelAdmins)."""

from inventory.admin import devices, imports, meters, statuses, transactions, warehouses  # noqa: F401
