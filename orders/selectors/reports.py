"""The orders reports' reads: summary per status and per stage, order details, and an analysis per contact.

Every function takes orders already scoped to the caller's business and filtered (orders.reports
OrderReportFilter); each returns rows the API, the admin screens and the exports share.
"""

from collections import defaultdict
from itertools import islice

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from contacts.models import Contact
from orders.models import Order, OrderItem, OrderStatus, Stage

STATUS_POSITION = Case(
    *(When(status=value, then=Value(position)) for position, value in enumerate(OrderStatus.values)),
    output_field=IntegerField(),
)
STATUS_LABEL = Case(
    *(When(status=value, then=Value(str(label))) for value, label in OrderStatus.choices), output_field=CharField()
)
ZERO = Value(0, output_field=Order._meta.get_field("total"))


def _summed(rows: QuerySet) -> QuerySet:
    return rows.annotate(
        orders=Count("pk"),
        net_total=Coalesce(Sum("net"), ZERO),
        tax_total=Coalesce(Sum("tax"), ZERO),
        amount_total=Coalesce(Sum("total"), ZERO),
    )


def orders_summary(orders: QuerySet[Order]) -> QuerySet:
    """Counts and totals per status, then per stage (of each queue), per currency: one query of dict rows.

    Rows: dimension ("status" or "stage"), key (the status value, or the stage id), name, queue_name,
    position, group_currency, orders, net_total, tax_total, amount_total (names clear of Order's fields).
    Statuses come in their lifecycle order, stages in queue order.
    """
    orders = orders.order_by()
    by_status = _summed(
        orders.values(
            dimension=Value("status"),
            key=Cast("status", CharField()),
            name=STATUS_LABEL,
            queue_name=Value(""),
            position=STATUS_POSITION,
            group_currency=F("currency"),
        )
    )
    by_stage = _summed(
        orders.values(
            dimension=Value("stage"),
            key=Cast("stage", CharField()),
            name=F("stage__name"),
            queue_name=F("queue__name"),
            position=Cast("stage__position", IntegerField()),
            group_currency=F("currency"),
        )
    )
    return by_status.union(by_stage, all=True).order_by("-dimension", "queue_name", "position", "group_currency")


def order_details(orders: QuerySet[Order]) -> QuerySet[OrderItem]:
    """One row per order item with its order's fields: newest orders first, items in their order (a bundle's
    components right after it, as OrderItem's own ordering puts them)."""
    return (
        OrderItem.objects.filter(order__in=orders.order_by().values("pk"))
        .select_related(
            "product", "order__contact", "order__fulfilled_by", "order__stage", "order__queue", "order__business"
        )
        .order_by("-order__placed_at", "-order__pk", Coalesce("bundle_item", "pk"), "pk")
    )


def preferred(orders: QuerySet[Order], field: str):
    """Per contact of the outer row: `field` of the organisation most of its orders were fulfilled by."""
    ranked = (
        orders.filter(contact=OuterRef("contact"))
        .order_by()
        .values("fulfilled_by")
        .annotate(fulfilled=Count("pk"))
        .order_by("-fulfilled", "fulfilled_by__name", "fulfilled_by")
    )
    return Subquery(ranked.values(field)[:1])


class ContactsOrdersRows:
    """The contacts analysis, lazily: counted and sliced in SQL, each page or chunk completed by two queries
    (the contacts' names, the products they ordered) whatever its size.

    Quacks like the querysets the report views page through: count(), slicing, iterator(chunk_size).
    """

    ordered = True

    def __init__(self, orders: QuerySet[Order], *, top: int = 5):
        self.orders = orders.order_by()
        self.top = top
        self.rows = (
            self.orders.values("contact", "currency")
            .annotate(
                orders=Count("pk"),
                average_amount=Avg("total"),
                total_amount=Sum("total"),
                preferred_organisation=preferred(self.orders, "fulfilled_by"),
                preferred_organisation_name=preferred(self.orders, "fulfilled_by__name"),
            )
            .order_by("-orders", "contact")
        )

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.completed(list(self.rows[key]))
        return self.completed([self.rows[key]])[0]

    def iterator(self, chunk_size: int = 2000):
        rows = self.rows.iterator(chunk_size=chunk_size)
        while chunk := list(islice(rows, chunk_size)):
            yield from self.completed(chunk)

    def completed(self, rows: list[dict]) -> list[dict]:
        ids = [row["contact"] for row in rows]
        contacts = Contact.objects.in_bulk(ids)
        products = defaultdict(list)
        ordered = (
            # What the contact chose: not charges, nor a bundle's components (the bundle counts).
            OrderItem.objects.filter(
                order__in=self.orders.filter(contact__in=ids).values("pk"), is_charge=False, bundle_item=None
            )
            .values("order__contact", "product", name=F("product__name"))
            .annotate(quantity=Sum("quantity"))
            .order_by("order__contact", "-quantity", "name", "product")
        )
        for item in ordered if ids else ():
            products[item.pop("order__contact")].append(item)
        for row in rows:
            row["contact_name"] = contacts[row["contact"]].display_name
            row["products"] = products[row["contact"]][: self.top]
            row["product_count"] = len(products[row["contact"]])
        return rows


def contacts_orders(orders: QuerySet[Order], *, top: int = 5) -> ContactsOrdersRows:
    """Per contact (and currency): number of orders, average and total amount, the preferred organisation
    (the one that fulfilled most of them; ties by name) and the `top` products by quantity ordered."""
    return ContactsOrdersRows(orders, top=top)


def orders_per_stage(orders: QuerySet[Order], stages: QuerySet[Stage]) -> list[dict]:
    """Every stage of `stages` (zero included) with its orders counted per status: the dashboard's chart."""
    counts = defaultdict(dict)
    for row in orders.order_by().values("stage", "status").annotate(n=Count("pk")):
        counts[row["stage"]][row["status"]] = row["n"]
    return [
        {
            "stage": stage.pk,
            "name": stage.name,
            "queue": stage.queue.name,
            **{status: counts[stage.pk].get(status, 0) for status in OrderStatus.values},
        }
        for stage in stages.select_related("queue").order_by("queue__name", "queue", "position")
    ]
