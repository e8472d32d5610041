"""Deliver and return an order's goods from its admin page, through orders.services.stock as the API does.

The order's change page links "Deliver goods…" and "Return goods…" (templates/admin/orders/order/
change_form.html) to a page each: the order's goods items with what can still move, a quantity and, for
traceable products, serial numbers per item. The service checks everything (what is left, stock, serial
numbers, the point of no return); a refusal is shown on the page with what was typed and writes nothing.

Each filled row becomes one goods line of its item's product; the service spreads a product's lines over
the order's items of that product, as it does for the API's body.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from crmcom.core.admin_helpers import error_text
from crmcom.core.exceptions import StateConflict
from orders.admin.items import whole_number
from orders.models import OrderItem
from orders.services.stock import GoodsLine, deliver_goods, goods_items, outstanding_serials, return_goods


@dataclass(frozen=True)
class GoodsMove:
    """One of the two pages: its service and how many units of an item it may still move."""

    name: str
    title: str
    service: Callable
    room: Callable[[OrderItem], int]


DELIVER = GoodsMove("deliver", "Deliver goods", deliver_goods, lambda item: item.quantity - item.delivered)
RETURN = GoodsMove("return", "Return goods", return_goods, lambda item: item.delivered)


def split_serials(text: str) -> list[str]:
    """Serial numbers typed one per line or separated by commas."""
    return [serial for serial in re.split(r"[\s,;]+", text or "") if serial]


def typed_lines(items: list[OrderItem], data) -> list[GoodsLine]:
    """The page's rows as the service's goods lines: a row with no quantity takes one unit per serial number."""
    lines = []
    for item in items:
        serials = split_serials(data.get(f"serials_{item.pk}", ""))
        quantity = whole_number(data.get(f"quantity_{item.pk}"), f"{item.product.sku}'s quantity") or len(serials)
        if quantity or serials:
            lines.append(GoodsLine(product=item.product, quantity=quantity, serial_numbers=serials))
    return lines


class OrderGoodsAdmin:
    """Mixed into OrderAdmin: `<order id>/deliver/` and `<order id>/return/` next to its change page."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/deliver/", wrap(self.deliver_view), name="{}_{}_deliver".format(*info)),
            path("<path:object_id>/return/", wrap(self.return_view), name="{}_{}_return".format(*info)),
            *super().get_urls(),
        ]

    def deliver_view(self, request, object_id):
        return self.goods_view(request, object_id, DELIVER)

    def return_view(self, request, object_id):
        return self.goods_view(request, object_id, RETURN)

    def goods_view(self, request, object_id, move: GoodsMove):
        order = self.get_object(request, unquote(object_id))  # scoped: another business's order is None
        if order is None:
            raise Http404("No such order.")
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        items = goods_items(order)
        if request.method == "POST":
            try:
                made = move.service(order=order, lines=typed_lines(items, request.POST), user=request.user)
            except (ValidationError, StateConflict) as refused:
                self.message_user(request, error_text(refused), messages.ERROR)
            else:
                self.message_user(request, f"{', '.join(map(str, made))} made.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        out = outstanding_serials(order) if move is RETURN else {}
        rows = [
            {
                "item": item,
                "room": move.room(item),
                "out": out.get(item.pk, []),
                "quantity": request.POST.get(f"quantity_{item.pk}", ""),
                "serials": request.POST.get(f"serials_{item.pk}", ""),
            }
            for item in items
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{move.title} of order {order.number}",
            "opts": self.opts,
            "order": order,
            "move": move,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/orders/order/goods.html", context)
