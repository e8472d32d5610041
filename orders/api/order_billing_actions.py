"""Milestones and invoices of an order, as viewset actions. Helper "billing" fills this in."""


class OrderBillingActions:
    pass
