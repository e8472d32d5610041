"""Deliveries, returns, cancellation and item changes of an order, as viewset actions. Helper "stock" fills this in."""


class OrderStockActions:
    pass
