from django.core.exceptions import ValidationError
from django.db import transaction

from crmcom.core.exceptions import StateConflict
from inventory.models import ReservationState, StockReservation
from inventory.services.balances import Deltas, apply_deltas


def reserve_stock(*, business, warehouse, product, quantity: int, reference: str = "") -> StockReservation:
    """Hold `quantity` for an order; never lets available go below zero (InsufficientStock, 409)."""
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": "Reserve a positive quantity."})
    if not product.stockable:
        raise ValidationError({"product": f"{product.sku} is not stockable: there is nothing to reserve."})
    with transaction.atomic():
        deltas = Deltas()
        deltas.add(warehouse.pk, product.pk, reserved=quantity)
        apply_deltas(business_id=business.pk, deltas=deltas)
        return StockReservation.objects.create(
            business=business, warehouse=warehouse, product=product, quantity=quantity, reference=reference
        )


def release_reservation(*, reservation: StockReservation) -> StockReservation:
    """Give the held quantity back to available."""
    with transaction.atomic():
        reservation = StockReservation.objects.select_for_update(no_key=True).get(pk=reservation.pk)
        if reservation.state != ReservationState.ACTIVE:
            raise StateConflict(f"Reservation #{reservation.pk} is {reservation.get_state_display().lower()} already.")
        deltas = Deltas()
        deltas.add(reservation.warehouse_id, reservation.product_id, reserved=-reservation.quantity)
        apply_deltas(business_id=reservation.business_id, deltas=deltas)
        reservation.state = ReservationState.RELEASED
        reservation.save(update_fields=["state"])
    return reservation
