"""Locations: a tree of places inside one warehouse (Location.clean keeps the tree in one warehouse, acyclic)."""

from django.core.exceptions import ValidationError

from crmcom.core.services import save_tenant_object
from inventory.models import Location


def save_location(*, business, location: Location) -> Location:
    """Add or change a location. It stays in the warehouse it was made in: its devices and sub-locations are there."""
    if location.business_id is None:
        location.business = business
    if location.warehouse.business_id != location.business_id:
        raise ValidationError({"warehouse": "Unknown for this business."})
    if location.pk is not None:
        made_in = Location.objects.filter(pk=location.pk).values_list("warehouse_id", flat=True).get()
        if made_in != location.warehouse_id:
            raise ValidationError({"warehouse": "A location stays in its warehouse: add a new one to the other."})
    return save_tenant_object(business=business, instance=location)
