"""What every business gets at sign-up for orders: a default queue of stages."""

from orders.models import InvoicingModel, Queue, Stage

DEFAULT_QUEUE_NAME = "Orders"
DEFAULT_STAGES = [
    # name, in_progress, point_of_no_return
    ("Received", False, False),
    ("Preparing", True, False),
    ("Out for delivery", True, True),
    ("Delivered", True, False),
]


def create_default_queue(*, business) -> Queue:
    """Received → Preparing (in progress: items reserved) → Out for delivery (the PoNR) → Delivered."""
    queue = Queue.objects.create(
        business=business, name=DEFAULT_QUEUE_NAME, is_default=True, invoicing_model=InvoicingModel.UPFRONT
    )
    Stage.objects.bulk_create(
        Stage(queue=queue, name=name, position=position, in_progress=in_progress, point_of_no_return=ponr)
        for position, (name, in_progress, ponr) in enumerate(DEFAULT_STAGES, start=1)
    )
    return queue
