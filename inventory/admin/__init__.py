"""Inventory admin screens, one module per area (each registers its own ModelAdmins)."""

from inventory.admin import statuses  # noqa: F401
