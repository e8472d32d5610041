"""The orders vocabulary: fixed enumerations shared by policies, estimates, orders and reports."""

from django.db import models


class SupplyMethod(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    PICK_UP = "pick_up", "Pick-up"
    DIRECT_SALE = "direct_sale", "Direct sale"  # digital services only


class DeliveryMethod(models.TextChoices):
    DIRECT_DELIVERY = "direct_delivery", "Direct delivery"
    COURIER = "courier", "Courier"
    PICK_UP_POINT = "pick_up_point", "Pick-up point"


class InvoicingModel(models.TextChoices):
    """When a queue's orders are invoiced; the final invoice on completion always bills what is left."""

    UPFRONT = "upfront", "Upfront, when the order is placed"
    MILESTONES = "milestones", "A milestone invoice when a milestone stage is reached"
    PONR = "ponr", "At the point of no return"
    PROGRESS = "progress", "One invoice per delivery"


class OrderStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class PaymentMethodKind(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    WALLET = "wallet", "Wallet"
    ACCOUNT = "account", "On account"


class ChargeKind(models.TextChoices):
    FIXED = "fixed", "Fixed expense"
    DISTANCE = "distance", "Distance-based fee"
