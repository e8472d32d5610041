"""Order catalogues: save one with its products, all of this business, its time window whole or absent."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import Product
from orders.models import OrderCatalogue


def check_catalogue(*, business_id: int, catalogue: OrderCatalogue, products: Sequence[Product] = ()) -> None:
    """The rules the model cannot state: whose organisation and products, and a window that is not empty."""
    errors = {}
    organisation = catalogue.organisation if catalogue.organisation_id else None
    if organisation is not None and organisation.business_id != business_id:
        errors["organisation"] = "Choose an organisation of this business."
    foreign = [str(product) for product in products if product.business_id != business_id]
    if foreign:
        errors["products"] = f"Not products of this business: {', '.join(foreign)}."
    start, end = catalogue.available_from, catalogue.available_until
    if start is not None and end is not None and start == end:
        errors["available_until"] = "The window ends when it starts: leave both empty for the whole day."
    if errors:
        raise ValidationError(errors)


def save_catalogue(*, business, catalogue: OrderCatalogue, products: Sequence[Product] | None = None) -> OrderCatalogue:
    """Create or change a catalogue; `products`, when given, replace its products."""
    if catalogue.business_id is None:
        catalogue.business = business
    errors = {}
    for check in (
        lambda: check_catalogue(business_id=business.pk, catalogue=catalogue, products=products or ()),
        catalogue.full_clean,
    ):
        try:
            check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        catalogue.save()
        if products is not None:
            catalogue.products.set(products)
    return catalogue
