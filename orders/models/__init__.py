from orders.models.activities import OrderActivity
from orders.models.billing import Milestone, OrderInvoice, OrderInvoiceReason, PaymentFailure
from orders.models.catalogues import OrderCatalogue
from orders.models.choices import (
    ChargeKind,
    DeliveryMethod,
    InvoicingModel,
    OrderStatus,
    PaymentMethodKind,
    SupplyMethod,
)
from orders.models.deliveries import Delivery, DeliveryKind, DeliveryLine
from orders.models.estimates import Estimate
from orders.models.fulfilment import FulfilmentCharge, FulfilmentPolicy
from orders.models.orders import ApprovalState, Order, OrderApproval, OrderItem, StageMove
from orders.models.queues import Queue, Stage

__all__ = [
    "ApprovalState",
    "ChargeKind",
    "Delivery",
    "DeliveryKind",
    "DeliveryLine",
    "DeliveryMethod",
    "Estimate",
    "FulfilmentCharge",
    "FulfilmentPolicy",
    "InvoicingModel",
    "Milestone",
    "Order",
    "OrderActivity",
    "OrderApproval",
    "OrderCatalogue",
    "OrderInvoice",
    "OrderInvoiceReason",
    "OrderItem",
    "OrderStatus",
    "PaymentFailure",
    "PaymentMethodKind",
    "Queue",
    "Stage",
    "StageMove",
    "SupplyMethod",
]
