"""Who fulfils an order and what the fulfilment costs: coverage, supply and delivery methods, charges.

The rules (DESIGN.md "Orders", issue 5 item 2):
- Items owned by a B2B merchant (Product.owner of kind b2b_merchant) are fulfilled by their owner.
- The other items go to a merchant whose policy covers the address (the nearest one when several do),
  else to the business's own organisation.
- An organisation without a policy of its own follows the business's policy; when the business has no
  policy either, its organisation serves every address and method without charges (a fresh sign-up).
- Coverage (checked for delivery; for pick-up and direct sale it only picks a nearby merchant): the
  address's postcode is in the policy's postcodes, or the address lies within `radius_km` of the
  organisation (haversine distance).
- The supply method must be one of the policy's; direct sale only when every item is a service (digital);
  a delivery needs a delivery method, one of the policy's.
- Charges: a fixed charge bills its expense product at its catalogue price; a distance charge bills it at
  `per_km` × the distance from the organisation to the address, rounded to the currency's minor unit.
Errors are Django ValidationErrors keyed by the request's field names (400).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from contacts.models import Organisation, OrganisationKind
from crmcom.core.money import round_money
from finance.models import Product, ProductKind
from finance.services.pricing import catalogue_price
from orders.models import ChargeKind, DeliveryMethod, FulfilmentPolicy, SupplyMethod

EARTH_RADIUS_KM = 6371.0088  # the mean Earth radius (IUGG)
KM = Decimal("0.001")


def haversine_km(lat1, lon1, lat2, lon2) -> Decimal:
    """The great-circle distance between two points (degrees) in km, to the metre."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    distance = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
    return Decimal(repr(distance)).quantize(KM)


@dataclass(frozen=True)
class Address:
    line1: str = ""
    city: str = ""
    postcode: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None

    @classmethod
    def from_dict(cls, data: dict | None) -> "Address":
        data = data or {}
        return cls(
            line1=str(data.get("line1") or "").strip(),
            city=str(data.get("city") or "").strip(),
            postcode=normal_postcode(data.get("postcode")),
            lat=_coordinate(data.get("lat"), "lat", 90),
            lon=_coordinate(data.get("lon"), "lon", 180),
        )

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def is_empty(self) -> bool:
        return not (self.postcode or self.located)

    def as_json(self) -> dict:
        return {
            "line1": self.line1,
            "city": self.city,
            "postcode": self.postcode,
            "lat": None if self.lat is None else str(self.lat),
            "lon": None if self.lon is None else str(self.lon),
        }


def normal_postcode(value) -> str:
    return " ".join(str(value or "").upper().split())


def _coordinate(value, name: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"address": f"{name} must be a number of degrees."}) from None
    if not number.is_finite() or abs(number) > bound:
        raise ValidationError({"address": f"{name} must lie between -{bound} and {bound} degrees."})
    return number


@dataclass(frozen=True)
class Charge:
    """An event-based charge to bill as `product`: one unit at `unit_price`."""

    kind: str
    product: Product
    unit_price: Decimal
    description: str
    distance_km: Decimal | None = None


@dataclass
class Fulfilment:
    """One fulfilling organisation, the items it fulfils and its charges."""

    organisation: Organisation
    policy: FulfilmentPolicy | None
    items: list = field(default_factory=list)  # the caller's item rows (anything with `.product`)
    charges: list[Charge] = field(default_factory=list)
    distance_km: Decimal | None = None


def distance_from(organisation: Organisation, address: Address) -> Decimal | None:
    if not address.located or organisation.lat is None or organisation.lon is None:
        return None
    return haversine_km(organisation.lat, organisation.lon, address.lat, address.lon)


def covers(policy: FulfilmentPolicy | None, organisation: Organisation, address: Address) -> bool:
    """Whether the policy covers the address: by postcode, or within its radius of the organisation."""
    if policy is None:
        return True
    if address.postcode and address.postcode in {normal_postcode(code) for code in policy.postcodes or []}:
        return True
    distance = distance_from(organisation, address)
    return policy.radius_km is not None and distance is not None and distance <= policy.radius_km


def accepts(policy: FulfilmentPolicy | None, *, supply_method: str, delivery_method: str) -> bool:
    if policy is None:
        return True
    if supply_method not in (policy.supply_methods or []):
        return False
    return supply_method != SupplyMethod.DELIVERY or delivery_method in (policy.delivery_methods or [])


def policies_of(business) -> dict[int, FulfilmentPolicy]:
    """Every policy of the business by organisation id, with its charges and their products' prices."""
    policies = FulfilmentPolicy.objects.filter(business=business).select_related("organisation")
    policies = policies.prefetch_related("charges__product__prices")
    return {policy.organisation_id: policy for policy in policies}


def check_methods(*, products: Iterable[Product], supply_method: str, delivery_method: str, address: Address) -> None:
    """The rules every fulfiller shares, whatever its policy."""
    if supply_method not in SupplyMethod.values:
        raise ValidationError({"supply_method": f"Choose one of {', '.join(SupplyMethod.values)}."})
    if supply_method == SupplyMethod.DIRECT_SALE:
        physical = sorted({p.sku for p in products if p.kind != ProductKind.SERVICE})
        if physical:
            raise ValidationError(
                {"supply_method": f"Direct sale is only for digital services; not for {', '.join(physical)}."}
            )
    if supply_method == SupplyMethod.DELIVERY:
        if delivery_method not in DeliveryMethod.values:
            raise ValidationError(
                {"delivery_method": f"A delivery needs a delivery method: one of {', '.join(DeliveryMethod.values)}."}
            )
        if address.is_empty:
            raise ValidationError({"address": "A delivery needs an address with a postcode or lat/lon."})
    elif delivery_method:
        raise ValidationError({"delivery_method": "Only deliveries have a delivery method."})


def fulfilments_for(
    *, business, items: Sequence, address: Address, supply_method: str, delivery_method: str, currency: str
) -> list[Fulfilment]:
    """Split `items` (rows with a `.product`) by fulfilling organisation and price each one's charges.

    The business's (or a merchant's) group comes first, then one group per B2B merchant owner. A bundle's
    row goes with its bundle's owner; its `.components` (when the row has them) count for the supply method.
    """
    check_methods(
        products=[
            product
            for row in items
            for product in (row.product, *(component.product for component in getattr(row, "components", ())))
        ],
        supply_method=supply_method,
        delivery_method=delivery_method,
        address=address,
    )
    policies = policies_of(business)
    own = Organisation.objects.get(business=business, kind=OrganisationKind.BUSINESS)
    business_policy = policies.get(own.pk)
    groups: dict[int, Fulfilment] = {}
    marketplace = [row for row in items if _b2b_owner(row.product)]
    others = [row for row in items if not _b2b_owner(row.product)]
    if others:
        group = _merchant_or_business(
            own=own,
            policies=policies,
            address=address,
            supply_method=supply_method,
            delivery_method=delivery_method,
        )
        group.items = others
        groups[group.organisation.pk] = group
    for row in marketplace:
        owner = row.product.owner
        if owner.pk not in groups:
            policy = policies.get(owner.pk, business_policy)
            _check_fulfiller(
                owner, policy, address=address, supply_method=supply_method, delivery_method=delivery_method
            )
            groups[owner.pk] = Fulfilment(organisation=owner, policy=policy, distance_km=distance_from(owner, address))
        groups[owner.pk].items.append(row)
    for group in groups.values():
        group.charges = charges_of(group, address=address, supply_method=supply_method, currency=currency)
    return list(groups.values())


def _b2b_owner(product: Product) -> bool:
    return product.owner_id is not None and product.owner.kind == OrganisationKind.B2B_MERCHANT


def _merchant_or_business(
    *, own: Organisation, policies: dict, address: Address, supply_method: str, delivery_method: str
) -> Fulfilment:
    """The nearest merchant whose own policy covers the address and takes the methods; else the business."""
    candidates = []
    if not address.is_empty:
        for policy in policies.values():
            merchant = policy.organisation
            if merchant.kind != OrganisationKind.MERCHANT:
                continue
            if covers(policy, merchant, address) and accepts(
                policy, supply_method=supply_method, delivery_method=delivery_method
            ):
                distance = distance_from(merchant, address)
                candidates.append((distance is None, distance or 0, merchant.name, merchant.pk, policy))
    if candidates:
        *_, policy = min(candidates, key=lambda candidate: candidate[:4])
        return Fulfilment(
            organisation=policy.organisation, policy=policy, distance_km=distance_from(policy.organisation, address)
        )
    policy = policies.get(own.pk)
    _check_fulfiller(own, policy, address=address, supply_method=supply_method, delivery_method=delivery_method)
    return Fulfilment(organisation=own, policy=policy, distance_km=distance_from(own, address))


def _check_fulfiller(organisation, policy, *, address: Address, supply_method: str, delivery_method: str) -> None:
    if policy is None:
        return
    if supply_method not in (policy.supply_methods or []):
        raise ValidationError({"supply_method": f"{organisation} does not offer {SupplyMethod(supply_method).label}."})
    if supply_method == SupplyMethod.DELIVERY:
        if delivery_method not in (policy.delivery_methods or []):
            raise ValidationError({"delivery_method": f"{organisation} does not deliver by {delivery_method}."})
        if not covers(policy, organisation, address):
            raise ValidationError({"address": f"No organisation covers this address ({organisation} does not)."})


def charges_of(group: Fulfilment, *, address: Address, supply_method: str, currency: str) -> list[Charge]:
    """The policy's charges that apply to this supply method, priced."""
    if group.policy is None:
        return []
    charges = []
    for charge in group.policy.charges.all():
        if charge.supply_method and charge.supply_method != supply_method:
            continue
        try:
            price = catalogue_price(charge.product, currency)
        except ValidationError:
            price = None
        if charge.kind == ChargeKind.FIXED:
            if price is None:
                raise ValidationError({"charges": f"The charge {charge.product.sku} has no {currency} price."})
            charges.append(Charge(kind=charge.kind, product=charge.product, unit_price=price, description=str(charge)))
            continue
        if group.distance_km is None:
            raise ValidationError(
                {"address": f"A distance-based charge of {group.organisation} needs the address's lat and lon."}
            )
        amount = round_money(charge.per_km * group.distance_km, currency)
        charges.append(
            Charge(
                kind=charge.kind,
                product=charge.product,
                unit_price=amount,
                description=f"{charge.product.name}: {group.distance_km} km",
                distance_km=group.distance_km,
            )
        )
    return charges
