"""Estimates: price an order once, freeze everything placement needs, keep it ORDER_ESTIMATE_TTL (2 hours).

The breakdown (every amount rounded half-up to the currency's minor unit, line by line):
- total_before_discounts: Σ quantity × unit price of the items and the charges, before tax;
- discounts: the ad hoc `discount`, spread over the item lines in proportion to their price (the rounding
  remainder goes to the last line); charges are never discounted;
- net = total_before_discounts − discounts; tax = Σ line tax; total = net + tax (charges included);
- charges_total: Σ of the charges' net amounts (part of net; shown apart for information);
- account_credit: with `use_account_credit`, the credit on the contact's account (a negative balance is
  credit: the balance is what the contact owes), at most the total;
- wallet_funds: with `use_wallet`, the open part of the wallet's balance in the currency, at most what is
  left of the total;
- amount_due = total − account_credit − wallet_funds: what the payment method of the order pays.
The estimate keeps both what was asked (`use_wallet`, `use_account_credit`) and what came of it, and the
queue its orders go into when one is chosen (else placement takes the business's default queue).

A bundle (orders.services.bundles) is priced as one line at the bundle's price; the line lists the
components it brings (a flexible bundle's picks among them), which placement makes items at no charge.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from crmcom.automations.events import emit
from crmcom.automations.models import Event
from crmcom.core.money import round_money
from crmcom.core.services import recorded_user
from finance.models import Account, Product
from finance.services.pricing import catalogue_price, line_amounts
from inventory.selectors_warehouses import fulfilment_warehouse
from orders.models import Estimate, Queue
from orders.selectors.fulfilment import Address, fulfilments_for
from orders.services.bundles import Component, bundle_components
from wallets.models import WalletBalance

ZERO = Decimal("0")
DEFAULT_TTL = datetime.timedelta(hours=2)


def estimate_ttl() -> datetime.timedelta:
    return getattr(settings, "ORDER_ESTIMATE_TTL", DEFAULT_TTL)


@dataclass(frozen=True)
class ItemInput:
    """`quantity` of `product`; a flexible bundle names its chosen components in `picks` (products or ids)."""

    product: Product
    quantity: int
    picks: tuple = ()


@dataclass(frozen=True)
class _Row:
    """A checked item and, for a bundle, the components one unit of it brings."""

    product: Product
    quantity: int
    picks: tuple[int, ...]
    components: tuple[Component, ...]


def create_estimate(
    *,
    business,
    contact: Contact,
    items: list[ItemInput],
    supply_method: str,
    delivery_method: str = "",
    address: dict | None = None,
    discount=None,
    use_wallet: bool = False,
    use_account_credit: bool = False,
    preferred_fulfilment_at: datetime.datetime | None = None,
    queue: Queue | None = None,
    user=None,
) -> Estimate:
    """Price the order(s) for `contact`, split by fulfilling organisation, and keep the estimate two hours.

    `queue` (of the business) is where the orders will go; None: the default queue at placement.
    """
    if contact.business_id != business.pk:
        raise ValidationError({"contact": "Unknown for this business."})
    if queue is not None and queue.business_id != business.pk:
        raise ValidationError({"queue": "Unknown for this business."})
    items = _clean_items(business, items)
    if preferred_fulfilment_at is not None and preferred_fulfilment_at < timezone.now():
        raise ValidationError({"preferred_fulfilment_at": "The preferred fulfilment time is in the past."})
    account = Account.objects.get(contact=contact)  # fresh: the balance may have moved since `contact` was read
    currency = account.currency
    discount = _clean_discount(discount, currency)
    place = Address.from_dict(address)
    groups = fulfilments_for(
        business=business,
        items=items,
        address=place,
        supply_method=supply_method,
        delivery_method=delivery_method or "",
        currency=currency,
    )
    _check_fulfilment_warehouses(business, groups)
    priced = _price_groups(groups, currency=currency, discount=discount)
    lines = [line for group in priced for line in group["items"] + group["charges"]]
    total_before, discounts = gross_and_discounts(lines)
    net = sum((Decimal(group["net"]) for group in priced), ZERO)
    tax = sum((Decimal(group["tax"]) for group in priced), ZERO)
    charges_total = sum((Decimal(line["net"]) for group in priced for line in group["charges"]), ZERO)
    total = net + tax
    credit = min(max(-account.balance, ZERO), total) if use_account_credit else ZERO
    credit = round_money(credit, currency)
    wallet = min(_open_wallet_funds(contact, currency), total - credit) if use_wallet else ZERO
    wallet = round_money(max(wallet, ZERO), currency)
    now = timezone.now()
    with transaction.atomic():
        estimate = Estimate.objects.create(
            business=business,
            contact=contact,
            fulfilled_by=groups[0].organisation,
            queue=queue,
            supply_method=supply_method,
            delivery_method=delivery_method or "",
            address=place.as_json(),
            preferred_fulfilment_at=preferred_fulfilment_at,
            currency=currency,
            total_before_discounts=total_before,
            discounts=discounts,
            net=net,
            tax=tax,
            charges_total=charges_total,
            total=total,
            account_credit=credit,
            wallet_funds=wallet,
            use_wallet=use_wallet,
            use_account_credit=use_account_credit,
            amount_due=total - credit - wallet,
            groups=priced,
            expires_at=now + estimate_ttl(),
            created_by=recorded_user(user),
        )
        emit(
            Event.ORDER_ESTIMATE,
            business_id=business.pk,
            payload=estimate_payload(estimate),
            contact=contact,
        )
    return estimate


def estimate_payload(estimate: Estimate) -> dict:
    return {
        "estimate": {
            "estimation_id": str(estimate.estimation_id),
            "contact": estimate.contact_id,
            "fulfilled_by": estimate.fulfilled_by_id,
            "currency": estimate.currency,
            "total": str(estimate.total),
            "amount_due": str(estimate.amount_due),
            "expires_at": estimate.expires_at.isoformat(),
        }
    }


def gross_and_discounts(lines: list[dict]) -> tuple[Decimal, Decimal]:
    """Priced lines' (Estimate.groups) amounts before discounts, and their discounts."""
    return (
        sum((Decimal(line["gross"]) for line in lines), ZERO),
        sum((Decimal(line["discount"]) for line in lines), ZERO),
    )


def delete_expired_estimates(*, now: datetime.datetime | None = None) -> int:
    """Drop the estimates past their expiry (used or not: placed orders keep their own copy)."""
    deleted, _ = Estimate.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _clean_items(business, items: list[ItemInput]) -> list[_Row]:
    if not items:
        raise ValidationError({"items": "An order needs at least one item."})
    errors, rows = [], []
    for item in items:
        if item.product.business_id != business.pk:
            errors.append(f"{item.product.pk}: unknown product.")
            continue
        if not item.product.is_active:
            errors.append(f"{item.product.sku} is not on sale.")
        if item.quantity is None or item.quantity < 1:
            errors.append(f"{item.product.sku}: the quantity must be at least 1.")
        try:
            components = bundle_components(item.product, item.picks)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        picks = tuple(component.product.pk for component in components) if item.picks else ()
        rows.append(_Row(item.product, item.quantity, picks, tuple(components)))
    if errors:
        raise ValidationError({"items": errors})
    return rows


def _check_fulfilment_warehouses(business, groups) -> None:
    """Each fulfilling organisation has the warehouse placement will take the goods from (409 otherwise, as
    placement answers): the contact is not shown an estimate that cannot be placed. Placement checks again:
    the warehouse may stop being the default in between."""
    for group in groups:
        fulfilment_warehouse(business=business, organisation=group.organisation)


def _clean_discount(discount, currency: str) -> Decimal:
    if discount in (None, ""):
        return ZERO
    try:
        value = Decimal(str(discount))
    except (InvalidOperation, ValueError):
        raise ValidationError({"discount": "A decimal amount is required."}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({"discount": "The discount must not be negative."})
    return round_money(value, currency)


def _open_wallet_funds(contact: Contact, currency: str) -> Decimal:
    balance = WalletBalance.objects.filter(wallet__contact=contact, currency=currency).values_list("open", flat=True)
    return next(iter(balance), ZERO)


def _price_groups(groups, *, currency: str, discount: Decimal) -> list[dict]:
    """The frozen groups (Estimate.groups): every line priced, amounts as decimal strings."""
    item_rows = []
    for group in groups:
        for item in group.items:
            try:
                unit_price = catalogue_price(item.product, currency)
            except ValidationError:
                raise ValidationError({"items": f"{item.product.sku} has no {currency} price."}) from None
            item_rows.append((group, item, unit_price))
    shares = _spread_discount(
        [round_money(item.quantity * price, currency) for _, item, price in item_rows], discount, currency
    )
    priced = {group.organisation.pk: {"group": group, "items": [], "charges": []} for group in groups}
    for (group, item, unit_price), share in zip(item_rows, shares, strict=True):
        line = _line(item.product, item.quantity, unit_price, share, currency, description=item.product.name)
        if item.product.bundle_kind:
            line["components"] = [_component_line(component, item.quantity) for component in item.components]
        if item.picks:
            line["picks"] = list(item.picks)
        priced[group.organisation.pk]["items"].append(line)
    for group in groups:
        for charge in group.charges:
            line = _line(charge.product, 1, charge.unit_price, ZERO, currency, description=charge.description)
            line["kind"] = charge.kind
            if charge.distance_km is not None:
                line["distance_km"] = str(charge.distance_km)
            priced[group.organisation.pk]["charges"].append(line)
    result = []
    for entry in priced.values():
        lines = entry["items"] + entry["charges"]
        net = sum((Decimal(line["net"]) for line in lines), ZERO)
        tax = sum((Decimal(line["tax"]) for line in lines), ZERO)
        result.append(
            {
                "fulfilled_by": entry["group"].organisation.pk,
                "items": entry["items"],
                "charges": entry["charges"],
                "net": str(net),
                "tax": str(tax),
                "total": str(net + tax),
            }
        )
    return result


def _line(product, quantity: int, unit_price: Decimal, discount: Decimal, currency: str, *, description: str) -> dict:
    amounts = line_amounts(
        quantity=quantity, unit_price=unit_price, discount=discount, tax_rate=product.tax_rate, currency=currency
    )
    return {
        "product": product.pk,
        "description": description[:200],
        "quantity": quantity,
        "unit_price": str(unit_price),
        "gross": str(round_money(quantity * unit_price, currency)),
        "discount": str(discount),
        "tax_rate": str(product.tax_rate),
        "net": str(amounts.net),
        "tax": str(amounts.tax),
        "total": str(amounts.total),
    }


def _component_line(component: Component, bundles: int) -> dict:
    return {
        "product": component.product.pk,
        "description": component.product.name[:200],
        "quantity": bundles * component.quantity_per_bundle,
        "quantity_per_bundle": component.quantity_per_bundle,
    }


def _spread_discount(grosses: list[Decimal], discount: Decimal, currency: str) -> list[Decimal]:
    """Split `discount` over lines in proportion to their gross amount; the last line takes the remainder."""
    if not discount:
        return [ZERO] * len(grosses)
    total = sum(grosses, ZERO)
    if discount > total:
        raise ValidationError({"discount": f"The discount is more than the items' price ({total})."})
    shares, left = [], discount
    for gross in grosses[:-1]:
        share = min(round_money(discount * gross / total, currency), left, gross)
        shares.append(share)
        left -= share
    shares.append(left)
    for index in range(len(shares) - 2, -1, -1):  # a remainder beyond the last line's price moves back
        overflow = shares[-1] - grosses[-1]
        if overflow <= 0:
            break
        moved = min(grosses[index] - shares[index], overflow)
        shares[index] += moved
        shares[-1] -= moved
    return shares
