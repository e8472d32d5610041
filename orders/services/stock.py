"""Stock for orders: reservation on the first in-progress stage, deliveries, returns, cancellation.

The goods of an order are its items of stockable products (charges and services have no stock). While an
order is reserved and open, each goods item holds an active reservation of what is left to deliver
(`quantity − delivered`): deliveries consume it, returns put it back, modification resizes it, cancelling
releases it.

Which units leave as what (OrderItem counters, `delivered` net of returns, `invoiced` units billed net of
credits):
- a delivered unit already invoiced (upfront, or at the PoNR) leaves as a STOCK_OUT `sale` (devices sold);
  any other leaves as a `dispatch` (devices dispatched, still the business's until invoiced, when billing
  posts `sale_of_dispatched`). So of the delivered units, min(delivered, invoiced) are sold and the rest are
  dispatched, and a delivery of n units sells the first max(0, invoiced − delivered) of them.
- a return (before the PoNR only) is free to the contact: dispatched units come back as a STOCK_IN
  `dispatch_return`; sold units come back with a credit note on the invoice that billed them, whose stock-in
  `return` the order records as a return (orders.services.credits), lowering `invoiced` and `delivered`.
  Devices come back used either way. Cancelling before the PoNR takes everything back so and credits the
  order's invoices in full.

Lock order (orders.services.locks), as in inventory (order row first, then stock): the order row, the items'
reservations, the devices, the balances, each in primary-key order and all taken before the first write; the
stock services called afterwards take the same locks again, which they already hold. Credit notes (returns of
sold units, cancellation) are issued first, right after the order row: finance locks each invoice before its stock.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crmcom.automations.events import emit
from crmcom.automations.models import Event
from crmcom.core.exceptions import StateConflict
from crmcom.core.services import recorded_user
from finance.models import Product
from inventory.locks import lock_balances
from inventory.models import Device, DeviceState, LinePurpose, ReservationState, StockReservation, TransactionKind
from inventory.services.posting import post_transaction
from inventory.services.reservations import consume_reservation, release_reservation, reserve_stock
from inventory.services.reservations import resize_reservation as resize
from inventory.services.transactions import LineInput, create_transaction
from orders.models import ApprovalState, Delivery, DeliveryKind, DeliveryLine, Order, OrderApproval, OrderItem
from orders.selectors.payloads import order_payload
from orders.services import billing, credits
from orders.services.locks import ORDER_CONTEXT, lock_order
from orders.services.updates import order_updated


@dataclass
class GoodsLine:
    """One line of a delivery or a return: `quantity` units of `product`, named by serial number if traceable."""

    product: Product
    quantity: int
    serial_numbers: list[str] = field(default_factory=list)


@dataclass
class Portion:
    """Part of a goods line that falls on one order item."""

    item: OrderItem
    quantity: int
    serial_numbers: list[str] = field(default_factory=list)


# Reads ---------------------------------------------------------------------------------------------------


def goods_items(order: Order) -> list[OrderItem]:
    """The order's items that are goods in stock (stockable products), in primary-key order."""
    return list(
        OrderItem.objects.filter(order=order, is_charge=False, product__stockable=True)
        .select_related("product", "reservation")
        .order_by("pk")
    )


def sold_units(item: OrderItem) -> int:
    return min(item.delivered, item.invoiced)


def outstanding_serials(order: Order) -> dict[int, list[str]]:
    """Serial numbers out with the contact for this order, per item: delivered less returned."""
    counts: dict[int, Counter] = defaultdict(Counter)
    lines = DeliveryLine.objects.filter(delivery__order=order).values_list(
        "item_id", "delivery__kind", "serial_numbers"
    )
    for item_id, kind, serials in lines:
        sign = 1 if kind == DeliveryKind.DELIVERY else -1
        for serial in serials:
            counts[item_id][serial] += sign
    return {item_id: sorted(s for s, n in serials.items() if n > 0) for item_id, serials in counts.items()}


def device_states(business_id: int, serials) -> dict[str, str]:
    return dict(
        Device.objects.filter(business_id=business_id, serial_number__in=list(serials)).values_list(
            "serial_number", "state"
        )
    )


def as_goods_lines(lines) -> list[GoodsLine]:
    """Accept GoodsLine objects or dicts of the same shape (the API's validated data)."""
    return [line if isinstance(line, GoodsLine) else GoodsLine(**line) for line in lines or []]


def ensure_open(order: Order, doing: str) -> None:
    if not order.is_open:
        raise StateConflict(f"Order {order.number} is {order.get_status_display().lower()}: {doing} no longer.")


# Locks ---------------------------------------------------------------------------------------------------


def lock_stock(order: Order, *, reservations=(), serials=(), products=()) -> None:
    """Reservations, devices, then balances of `order`'s warehouse, each in primary-key order."""
    reservation_ids = sorted({r.pk for r in reservations})
    if reservation_ids:
        list(StockReservation.objects.filter(pk__in=reservation_ids).order_by("pk").select_for_update(no_key=True))
    if serials:
        devices = Device.objects.filter(business_id=order.business_id, serial_number__in=sorted(set(serials)))
        list(devices.order_by("pk").select_for_update(no_key=True))
    keys = {(order.warehouse_id, product_id) for product_id in products}
    if keys:
        lock_balances(business_id=order.business_id, keys=keys)


def active_reservation(item: OrderItem) -> StockReservation | None:
    reservation = item.reservation
    if reservation is None or reservation.state != ReservationState.ACTIVE:
        return None
    return reservation


def hold(order: Order, item: OrderItem, quantity: int) -> None:
    """Make the item's active reservation hold `quantity` (reserve, resize or release); stock already locked."""
    reservation = active_reservation(item)
    if reservation is None:
        if quantity > 0:
            item.reservation = reserve_stock(
                business=order.business,
                warehouse=order.warehouse,
                product=item.product,
                quantity=quantity,
                reference=order.number,
            )
            item.save(update_fields=["reservation"])
    elif quantity == 0:
        item.reservation = release_reservation(reservation=reservation)
    else:
        item.reservation = resize(reservation=reservation, quantity=quantity)


# Reservation ---------------------------------------------------------------------------------------------


def reserve_order(*, order: Order, user=None) -> Order:
    """Reserve every goods item of `order` in its warehouse (once: on the first in-progress stage).

    All or nothing: when one product is short the whole order reserves nothing (InsufficientStock, 409).
    Sets `reserved_at` on the locked row and on the instance passed in (the stage service saves that one).
    """
    with transaction.atomic():
        locked = lock_order(order, related=ORDER_CONTEXT)
        ensure_open(locked, "it is reserved")
        if locked.reserved_at is not None:
            raise StateConflict(f"Order {locked.number} was reserved at {locked.reserved_at:%Y-%m-%d %H:%M}.")
        items = [item for item in goods_items(locked) if item.quantity > item.delivered]
        lock_stock(locked, products=[item.product_id for item in items])
        for item in items:
            hold(locked, item, item.quantity - item.delivered)
        locked.reserved_at = order.reserved_at = timezone.now()
        locked.save(update_fields=["reserved_at"])
    return order


# Deliveries ----------------------------------------------------------------------------------------------


def deliver(*, order: Order, lines, user=None) -> Delivery:
    """Deliver goods of the order; the Delivery made (the last one, see `deliver_goods`)."""
    return deliver_goods(order=order, lines=lines, user=user)[-1]


def deliver_goods(*, order: Order, lines, user=None) -> list[Delivery]:
    """Send goods to the contact: one Delivery per STOCK_OUT posted, usually one.

    Units already invoiced leave as a `sale`, the others as a `dispatch` (module docstring); when one call
    delivers both, it makes two deliveries, the sale first. Traceable lines name one serial number per
    unit. The order's reservation shrinks by what leaves. Never more than ordered (400). Billing hears of
    each delivery (progress-based invoicing).
    """
    lines = as_goods_lines(lines)
    with transaction.atomic():
        locked = lock_order(order, related=ORDER_CONTEXT)
        ensure_open(locked, "goods are delivered")
        portions = allocate(
            lines, goods_items(locked), left=lambda item: item.quantity - item.delivered, doing="deliver"
        )
        lock_stock(
            locked,
            reservations=[r for r in (active_reservation(p.item) for p in portions) if r is not None],
            serials=[serial for p in portions for serial in p.serial_numbers],
            products=[p.item.product_id for p in portions],
        )
        taken: Counter = Counter()
        for portion in portions:
            taken[portion.item.pk] += portion.quantity
        for item in {p.item.pk: p.item for p in portions}.values():
            reservation = active_reservation(item)
            if reservation is not None:
                item.reservation = consume_reservation(
                    reservation=reservation, quantity=min(taken[item.pk], reservation.quantity)
                )

        by_purpose = split_by_purpose(portions)
        deliveries = [
            record(locked, DeliveryKind.DELIVERY, purpose, by_purpose[purpose], user)
            for purpose in (LinePurpose.SALE, LinePurpose.DISPATCH)
            if by_purpose[purpose]
        ]
        for item_pk, quantity in taken.items():
            OrderItem.objects.filter(pk=item_pk).update(delivered=F("delivered") + quantity)
        for delivery in deliveries:
            billing.on_delivered(order=locked, delivery=delivery, user=user)
        order_updated(locked, "delivery", deliveries=[delivery.pk for delivery in deliveries])
    return deliveries


def split_by_purpose(portions: list[Portion]) -> dict[str, list[Portion]]:
    """Invoiced-but-undelivered units as a sale, the rest as a dispatch; serial numbers in the order given."""
    waiting = {p.item.pk: max(0, p.item.invoiced - p.item.delivered) for p in portions}
    by_purpose: dict[str, list[Portion]] = {LinePurpose.SALE: [], LinePurpose.DISPATCH: []}
    for portion in portions:
        sold = min(portion.quantity, waiting[portion.item.pk])
        waiting[portion.item.pk] -= sold
        serials = portion.serial_numbers
        if sold:
            by_purpose[LinePurpose.SALE].append(Portion(portion.item, sold, serials[:sold]))
        if portion.quantity - sold:
            by_purpose[LinePurpose.DISPATCH].append(Portion(portion.item, portion.quantity - sold, serials[sold:]))
    return by_purpose


def record(order: Order, kind: str, purpose: str, portions: list[Portion], user) -> Delivery:
    """Post the warehouse transaction of a delivery or return and record it with its lines."""
    txn = create_transaction(
        business=order.business,
        kind=TransactionKind.STOCK_OUT if kind == DeliveryKind.DELIVERY else TransactionKind.STOCK_IN,
        purpose=purpose,
        warehouse=order.warehouse,
        contact=order.contact,
        lines=[
            LineInput(product=p.item.product, quantity=p.quantity, serial_numbers=p.serial_numbers) for p in portions
        ],
        reference=order.number,
        user=recorded_user(user),
    )
    txn = post_transaction(transaction=txn, user=recorded_user(user))
    delivery = Delivery.objects.create(order=order, kind=kind, transaction=txn, created_by=recorded_user(user))
    DeliveryLine.objects.bulk_create(
        DeliveryLine(delivery=delivery, item=p.item, quantity=p.quantity, serial_numbers=p.serial_numbers)
        for p in portions
    )
    return delivery


def allocate(lines: list[GoodsLine], items: list[OrderItem], *, left, doing: str, serial_owner=None) -> list[Portion]:
    """Spread the lines over the order's items of their product, within `left(item)` units each.

    `serial_owner(serial)` (returns) names the item a serial number belongs to, or raises ValidationError.
    Errors name the line (#1 is the first) under `items`, like the API's body.
    """
    if not lines:
        raise ValidationError({"items": [f"Name the goods to {doing}."]})
    room = {item.pk: left(item) for item in items}
    by_product: dict[int, list[OrderItem]] = defaultdict(list)
    for item in items:
        by_product[item.product_id].append(item)
    portions: list[Portion] = []
    problems: list[str] = []
    seen: Counter = Counter(serial.strip() for line in lines for serial in line.serial_numbers or [])
    for position, line in enumerate(lines, start=1):
        product = line.product
        serials = [serial.strip() for serial in line.serial_numbers or [] if serial and serial.strip()]
        candidates = by_product.get(product.pk, [])
        if not candidates:
            problems.append(f"#{position}: {product.sku} is not among the order's goods.")
            continue
        if line.quantity is None or line.quantity <= 0:
            problems.append(f"#{position}: the quantity must be positive.")
            continue
        if product.traceable and len(serials) != line.quantity:
            problems.append(f"#{position}: {product.sku} is traceable: name {line.quantity} serial numbers.")
            continue
        if not product.traceable and serials:
            problems.append(f"#{position}: {product.sku} is not traceable: give a quantity, not serial numbers.")
            continue
        repeated = sorted(serial for serial in serials if seen[serial] > 1)
        if repeated:
            problems.append(f"#{position}: serial numbers named twice: {', '.join(repeated)}.")
            continue
        if serial_owner is not None and serials:
            try:
                owners = [serial_owner(serial, candidates) for serial in serials]
            except ValidationError as error:
                problems.extend(f"#{position}: {message}" for message in error.messages)
                continue
            for item in candidates:
                mine = [serial for serial, owner in zip(serials, owners, strict=True) if owner.pk == item.pk]
                if mine:
                    room[item.pk] -= len(mine)
                    portions.append(Portion(item, len(mine), mine))
            continue
        wanted, free = line.quantity, sum(max(0, room[item.pk]) for item in candidates)
        if wanted > free:
            problems.append(f"#{position}: only {free} of {product.sku} can be {doing_past(doing)}, not {wanted}.")
            continue
        for item in candidates:
            share = min(wanted, max(0, room[item.pk]))
            if share:
                room[item.pk] -= share
                portions.append(Portion(item, share, serials[:share]))
                serials, wanted = serials[share:], wanted - share
    if problems:
        raise ValidationError({"items": problems})
    return portions


def doing_past(doing: str) -> str:
    return {"deliver": "delivered", "return": "returned"}.get(doing, doing)


# Returns -------------------------------------------------------------------------------------------------


def return_goods(*, order: Order, lines, user=None) -> list[Delivery]:
    """Take back delivered goods before the point of no return, at no charge; the returns made.

    Dispatched units come back free (STOCK_IN `dispatch_return`, one return); invoiced (sold) units are
    credited on the invoices that billed them (orders.services.credits: one return per credit note, its
    STOCK_IN `return`). Of a quantity, dispatched units come back first. Devices come back used. At or after
    the PoNR: 409. A reserved order holds the returned units again (they are still ordered).
    """
    lines = as_goods_lines(lines)
    with transaction.atomic():
        locked = lock_order(order, related=ORDER_CONTEXT)
        ensure_open(locked, "goods are returned")
        refuse_after_ponr(locked)
        deliveries = take_back(locked, lines, user)
        if locked.reserved_at is not None:
            rehold(locked, deliveries)
        order_updated(locked, "return", deliveries=[delivery.pk for delivery in deliveries])
    return deliveries


def refuse_after_ponr(order: Order) -> None:
    if order.past_point_of_no_return:
        raise StateConflict(
            f"Order {order.number} reached its point of no return on {order.ponr_reached_at:%Y-%m-%d %H:%M}: "
            "its goods are not taken back (cancelling it now charges the amount)."
        )


def take_back(order: Order, lines: list[GoodsLine], user) -> list[Delivery]:
    """Sold units credited first (the credit notes lock their invoices before any stock), then dispatched
    units returned; the returns made, in that order."""
    items = goods_items(order)
    out = outstanding_serials(order)
    named = [serial.strip() for line in lines for serial in line.serial_numbers or []]
    states = device_states(order.business_id, named)

    def serial_owner(serial: str, candidates: list[OrderItem]) -> OrderItem:
        owner = next((item for item in candidates if serial in out.get(item.pk, [])), None)
        if owner is None:
            raise ValidationError(f"{serial} was not delivered for order {order.number}.")
        if states.get(serial) not in (DeviceState.DISPATCHED, DeviceState.SOLD):
            raise ValidationError(f"{serial} is {states.get(serial)}: it is no longer out with the contact.")
        return owner

    portions = allocate(lines, items, left=lambda item: item.delivered, doing="return", serial_owner=serial_owner)
    dispatched, sold = split_returned(portions, states)
    deliveries = credits.credit_returned(order=order, portions=sold, user=user) if sold else []
    if dispatched:
        lock_stock(
            order,
            serials=[s for p in dispatched for s in p.serial_numbers],
            products=[p.item.product_id for p in dispatched],
        )
        deliveries.append(record(order, DeliveryKind.RETURN, LinePurpose.DISPATCH_RETURN, dispatched, user))
        returned: Counter = Counter()
        for portion in dispatched:
            returned[portion.item.pk] += portion.quantity
        for item_pk, quantity in returned.items():
            OrderItem.objects.filter(pk=item_pk).update(delivered=F("delivered") - quantity)
    return deliveries


def split_returned(portions: list[Portion], states: dict[str, str]) -> tuple[list[Portion], list[Portion]]:
    """Dispatched units and sold ones: devices by their state; of a quantity, the dispatched units first."""
    free = {p.item.pk: p.item.delivered - sold_units(p.item) for p in portions}
    dispatched: list[Portion] = []
    sold: list[Portion] = []
    for portion in portions:
        item = portion.item
        if item.product.traceable:
            mine = [serial for serial in portion.serial_numbers if states.get(serial) == DeviceState.DISPATCHED]
            theirs = [serial for serial in portion.serial_numbers if serial not in mine]
            dispatched.extend([Portion(item, len(mine), mine)] if mine else [])
            sold.extend([Portion(item, len(theirs), theirs)] if theirs else [])
            continue
        back = min(portion.quantity, free[item.pk])
        free[item.pk] -= back
        dispatched.extend([Portion(item, back)] if back else [])
        sold.extend([Portion(item, portion.quantity - back)] if portion.quantity > back else [])
    return dispatched, sold


def rehold(order: Order, deliveries: list[Delivery]) -> None:
    """After a return, the reserved order's items hold what is left to deliver again."""
    item_ids = set(DeliveryLine.objects.filter(delivery__in=deliveries).values_list("item_id", flat=True))
    items = [item for item in goods_items(order) if item.pk in item_ids]
    reservations = [r for r in (active_reservation(item) for item in items) if r is not None]
    lock_stock(order, reservations=reservations, products=[item.product_id for item in items])
    for item in items:
        hold(order, item, item.quantity - item.delivered)


# Cancellation --------------------------------------------------------------------------------------------


def cancel_order(*, order: Order, user=None) -> Order:
    """Cancel an open order: reservations released, a pending approval rejected.

    Before the PoNR everything is undone: dispatched goods come back at no charge, and every invoice of the
    order is credited in full (orders.services.credits: sold units taken back, the rest the money only), so
    the order leaves the contact's account as it found it; card and wallet payments are refunded the way they
    came, cash and used account credit stay as credit on the account. At or after it, billing's cancellation invoice
    charges the contact the amount and delivered goods stay delivered.
    """
    with transaction.atomic():
        locked = lock_order(order, related=ORDER_CONTEXT)
        ensure_open(locked, "it is cancelled")
        items = goods_items(locked)
        reservations = [r for r in (active_reservation(item) for item in items) if r is not None]
        if locked.past_point_of_no_return:
            # Billing's invoice may post stock (devices, then balances): before we lock any balance.
            billing.cancellation_invoice(order=locked, user=user)
            release_all(locked, items)
        else:
            dispatched, sold = goods_out(locked, items)
            # The credit notes lock their invoices, then stock: before we lock any balance.
            credits.credit_cancelled(order=locked, portions=sold, user=user)
            credits.refund_cancelled(order=locked, user=user)
            lock_stock(
                locked,
                reservations=reservations,
                serials=[serial for portion in dispatched for serial in portion.serial_numbers],
                products=[item.product_id for item in items],
            )
            release_all(locked, items)
            if dispatched:
                take_back(locked, [GoodsLine(p.item.product, p.quantity, p.serial_numbers) for p in dispatched], user)
        locked.cancel()
        locked.cancelled_at = timezone.now()
        locked.save()
        OrderApproval.objects.filter(order=locked, state=ApprovalState.PENDING).update(
            state=ApprovalState.REJECTED,
            decided_at=locked.cancelled_at,
            decided_by=recorded_user(user),
            note="The order was cancelled.",
        )
        emit(Event.ORDER_CANCEL, business_id=locked.business_id, payload=order_payload(locked), contact=locked.contact)
    return locked


def release_all(order: Order, items: list[OrderItem]) -> None:
    reservations = [r for r in (active_reservation(item) for item in items) if r is not None]
    lock_stock(order, reservations=reservations, products=[r.product_id for r in reservations])
    for reservation in reservations:
        release_reservation(reservation=reservation)


def goods_out(order: Order, items: list[OrderItem]) -> tuple[list[Portion], list[Portion]]:
    """What of the order is at the contact's: dispatched units (not invoiced) and sold ones (invoiced)."""
    out = outstanding_serials(order)
    states = device_states(order.business_id, [serial for serials in out.values() for serial in serials])
    dispatched: list[Portion] = []
    sold: list[Portion] = []
    for item in items:
        for found, state, units in (
            (dispatched, DeviceState.DISPATCHED, item.delivered - sold_units(item)),
            (sold, DeviceState.SOLD, sold_units(item)),
        ):
            if item.product.traceable:
                serials = [serial for serial in out.get(item.pk, []) if states.get(serial) == state]
                found.extend([Portion(item, len(serials), serials)] if serials else [])
            elif units > 0:
                found.append(Portion(item, units))
    return dispatched, sold
