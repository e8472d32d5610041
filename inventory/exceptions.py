from crmcom.core.exceptions import StateConflict


class InsufficientStock(StateConflict):
    def __init__(self, *, product, warehouse, wanted: int, available: int):
        super().__init__(
            f"Not enough {product.name} ({product.sku}) at {warehouse.name}: {wanted} wanted, {available} available."
        )
        self.wanted, self.available = wanted, available


class IllegalTransition(StateConflict):
    """A device (or transaction) asked to move where its life cycle does not allow."""
