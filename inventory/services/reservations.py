from django.core.exceptions import ValidationError
from django.db import transaction

from crmcom.core.exceptions import StateConflict
from inventory.models import ReservationState, StockReservation
from inventory.services.balances import Deltas, apply_deltas


def _lock_active(reservation: StockReservation) -> StockReservation:
    """The reservation's row, locked; StateConflict (409) unless it is still ACTIVE."""
    reservation = StockReservation.objects.select_for_update(no_key=True).get(pk=reservation.pk)
    if reservation.state != ReservationState.ACTIVE:
        raise StateConflict(f"Reservation #{reservation.pk} is {reservation.get_state_display().lower()} already.")
    return reservation


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
        reservation = _lock_active(reservation)
        deltas = Deltas()
        deltas.add(reservation.warehouse_id, reservation.product_id, reserved=-reservation.quantity)
        apply_deltas(business_id=reservation.business_id, deltas=deltas)
        reservation.state = ReservationState.RELEASED
        reservation.save(update_fields=["state"])
    return reservation


def consume_reservation(*, reservation: StockReservation, quantity: int) -> StockReservation:
    """Take `quantity` off a reservation because those units are leaving the warehouse for its order.

    Only `reserved` goes down here; the caller posts the STOCK_OUT (in_hand −) in the same database
    transaction, after this and while the balance row stays locked: posting checks available after its own
    change, so consuming first keeps the held units from counting twice, and nobody else sees the moment
    in between. All of it consumed: the reservation is CONSUMED (keeping its quantity, as history);
    part of it: the reservation holds the rest.
    """
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": "Consume a positive quantity."})
    with transaction.atomic():
        reservation = _lock_active(reservation)
        if quantity > reservation.quantity:
            raise StateConflict(f"Reservation #{reservation.pk} holds {reservation.quantity}, not {quantity}.")
        deltas = Deltas()
        deltas.add(reservation.warehouse_id, reservation.product_id, reserved=-quantity)
        apply_deltas(business_id=reservation.business_id, deltas=deltas)
        if quantity == reservation.quantity:
            reservation.state = ReservationState.CONSUMED
            reservation.save(update_fields=["state"])
        else:
            reservation.quantity -= quantity
            reservation.save(update_fields=["quantity"])
    return reservation


def resize_reservation(*, reservation: StockReservation, quantity: int) -> StockReservation:
    """Hold `quantity` instead of what the active reservation holds (more: InsufficientStock when not available)."""
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": "Hold a positive quantity; release the reservation instead."})
    with transaction.atomic():
        reservation = _lock_active(reservation)
        if quantity != reservation.quantity:
            deltas = Deltas()
            deltas.add(reservation.warehouse_id, reservation.product_id, reserved=quantity - reservation.quantity)
            apply_deltas(business_id=reservation.business_id, deltas=deltas)
            reservation.quantity = quantity
            reservation.save(update_fields=["quantity"])
    return reservation
