"""Field lists the admin and the API show alike (the API adds its ids and names around them)."""

# An order's terms, as placed from its estimate.
ORDER_TERMS_FIELDS = (
    "contact",
    "fulfilled_by",
    "warehouse",
    "supply_method",
    "delivery_method",
    "address",
    "preferred_fulfilment_at",
    "payment_method",
    "currency",
)

# An order's amounts (in its currency).
ORDER_MONEY_FIELDS = ("total_before_discounts", "discounts", "net", "tax", "total")

# What the estimate planned to pay the order's invoices with (orders.services.payment_plan), in its currency.
ORDER_PAYMENT_PLAN_FIELDS = ("planned_account_credit", "planned_wallet", "planned_card")

# When an order reached the steps of its lifecycle after placement.
ORDER_PROGRESS_FIELDS = ("reserved_at", "ponr_reached_at", "completed_at", "cancelled_at")

# An order's item, as both show it (read-only in both); a bundle's components follow it, naming it.
ORDER_ITEM_FIELDS = (
    "product",
    "bundle_item",
    "description",
    "is_charge",
    "quantity",
    "quantity_per_bundle",
    "unit_price",
    "discount",
    "tax_rate",
    "net",
    "tax",
    "total",
    "delivered",
    "invoiced",
)

# An approval's state and decision, after its order and stage.
APPROVAL_DECISION_FIELDS = (
    "state",
    "requested_at",
    "requested_by",
    "decided_at",
    "decided_by",
    "decided_by_contact",
    "note",
)

# A stage's rules, after its position and name.
STAGE_RULE_FIELDS = (
    "in_progress",
    "milestone_percent",
    "milestone_amount",
    "point_of_no_return",
    "invoice_at_ponr",
    "requires_approval",
    "allows_modification",
    "activities",
)
