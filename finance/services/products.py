from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import BundleComponent, BundleKind, CharacteristicDefinition, Product, ProductPrice


def check_characteristics(*, product: Product, count: int) -> None:
    if count and not product.traceable:
        raise ValidationError({"characteristics": "Only traceable goods have characteristics."})


def check_components(*, product: Product, count: int) -> None:
    if count and not product.bundle_kind:
        raise ValidationError({"components": "Only bundles have components; set the bundle kind."})
    if product.bundle_kind and not count:
        raise ValidationError({"components": "A bundle needs at least one component."})
    if product.bundle_kind == BundleKind.FLEXIBLE and product.max_picks and product.max_picks > count:
        raise ValidationError({"max_picks": f"A flexible bundle of {count} components allows at most {count} picks."})


def check_bundles_holding(*, product: Product) -> None:
    """A product already in bundles keeps their rules: no bundle in a bundle, no traceable flexible pick."""
    if product.pk is None or not (product.bundle_kind or product.traceable):
        return
    holders = Product.objects.filter(components__component=product)
    if product.bundle_kind and holders.exists():
        raise ValidationError({"bundle_kind": "A component of a bundle cannot be a bundle itself."})
    if product.traceable and holders.filter(bundle_kind=BundleKind.FLEXIBLE).exists():
        raise ValidationError({"traceable": "A component of a flexible bundle cannot be traceable."})


def validate_parts(items: Sequence, *, parent: str, product: Product, unique_field: str) -> list[str]:
    """full_clean each nested item against the (maybe unsaved) product; messages name the item's position."""
    messages: list[str] = []
    seen = set()
    for position, item in enumerate(items, start=1):
        setattr(item, parent, product)
        try:
            item.full_clean(exclude=[parent], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                label = "" if field == "__all__" else f" {field}"
                messages.extend(f"#{position}{label}: {message}" for message in field_messages)
        key = getattr(item, f"{unique_field}_id", None) or getattr(item, unique_field)
        if key in seen:
            messages.append(f"#{position} {unique_field}: “{getattr(item, unique_field)}” appears twice.")
        seen.add(key)
    return messages


def save_product(
    *,
    business,
    product: Product,
    prices: Sequence[ProductPrice] | None = None,
    characteristics: Sequence[CharacteristicDefinition] | None = None,
    components: Sequence[BundleComponent] | None = None,
) -> Product:
    """Create or change a catalogue product. Nested lists, when given, replace the product's own.

    Everything is validated before anything is written; errors come keyed by field and list index.
    """
    if product.business_id is None:
        product.business = business
    product.full_clean()
    check_characteristics(product=product, count=_count(product, "characteristics", characteristics))
    check_components(product=product, count=_count(product, "components", components))
    check_bundles_holding(product=product)
    parts = {
        "prices": (prices, "product", "currency"),
        "characteristics": (characteristics, "product", "name"),
        "components": (components, "bundle", "component"),
    }
    errors = {}
    for relation, (items, parent, unique_field) in parts.items():
        # Kept parts are checked too: a change to the product (a fixed bundle made flexible) may break them.
        checked = items if items is not None else _stored(product, relation)
        if checked:
            messages = validate_parts(checked, parent=parent, product=product, unique_field=unique_field)
            if messages:
                errors[relation] = messages
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        product.save()
        for relation, (items, parent, _) in parts.items():
            if items is not None:
                getattr(product, relation).all().delete()
                for item in items:
                    setattr(item, parent, product)  # now saved, so the foreign key gets its id
                    item.save()
    return product


def _stored(product: Product, relation: str) -> list:
    """The parts `relation` holds in the database (an unsaved product has none)."""
    if product.pk is None:
        return []
    stored = getattr(product, relation).all()
    return list(stored.select_related("component") if relation == "components" else stored)


def _count(product: Product, relation: str, replacement: Sequence | None) -> int:
    """How many items `relation` will hold: the replacement's, else what is stored."""
    if replacement is not None:
        return len(replacement)
    return getattr(product, relation).count() if product.pk else 0
