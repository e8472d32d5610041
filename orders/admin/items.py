"""Change an order's items from the admin: one order at a time, through orders.services.modification.

The intermediate page lists the order's items with a quantity each (0 removes it); a bundle's components are
shown under it and follow its quantity. One more row adds a product (a flexible bundle with its picks).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from crmcom.core.admin import business_of
from crmcom.core.admin_helpers import apply_to_each
from finance.models import Product, ProductKind
from orders.models import OrderItem
from orders.services.modification import ItemChange, modify_items


@admin.action(description="Change the items of the selected order…", permissions=["change"])
def change_items(modeladmin, request, queryset):
    orders = list(queryset.select_related("stage", "contact")[:2])
    if len(orders) != 1:
        modeladmin.message_user(request, "Choose one order to change its items.", messages.WARNING)
        return None
    order = orders[0]
    items = list(
        OrderItem.objects.filter(order=order, is_charge=False).select_related("product", "bundle_item__product")
    )
    if request.POST.get("apply"):
        apply_to_each(modeladmin, request, [order], lambda o: apply_changes(o, items, request))
        return None
    products = Product.objects.filter(business=business_of(request) or order.business, is_active=True).exclude(
        kind=ProductKind.EXPENSE
    )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Change the items of order {order.number}",
        "opts": modeladmin.model._meta,
        "order": order,
        "items": items,
        "products": products.order_by("name", "sku"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": "change_items",
    }
    return TemplateResponse(request, "admin/orders/order/change_items.html", context)


def apply_changes(order, items: list[OrderItem], request) -> str:
    """The page's quantities as the service's changes: items by id (0: removed), the added product by id."""
    changes = []
    for item in items:
        if item.bundle_item_id is None:
            quantity = whole_number(request.POST.get(f"quantity_{item.pk}"), f"{item.product.sku}'s quantity")
            if quantity:
                changes.append(ItemChange(item=item.pk, quantity=quantity))
    added = request.POST.get("add_product", "")
    if added:
        product = Product.objects.filter(business_id=order.business_id, pk=int(added) if added.isdigit() else 0)
        picks = Product.objects.filter(business_id=order.business_id, pk__in=request.POST.getlist("add_picks"))
        changes.append(
            ItemChange(
                product=product.first(),
                quantity=whole_number(request.POST.get("add_quantity"), "the added quantity"),
                picks=tuple(picks),
            )
        )
    modify_items(order=order, items=changes, user=request.user)
    return f"{order}: items changed."


def whole_number(value, what: str) -> int:
    try:
        return int(value or 0)
    except ValueError:
        raise ValidationError(f"{what} must be a whole number.") from None
