"""Activities of an order: the work staff do on it (install, inspect, call back), done before it completes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class OrderActivity(models.Model):
    """One piece of work on an order, optionally assigned to a staff member of its business and due by a time.

    Added, changed, removed (while not done), marked done and reopened only through orders.services.activities
    (under the order's lock; a closed order's activities stay as they are). An order completes only once all of
    them are done. The history (simple_history) tells who changed, removed, did or reopened it and when.
    """

    business_lookup = "order__business"  # tenancy: an activity is its order's business's (crmcom.core.tenancy)

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="activities")
    name = models.CharField(max_length=100)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A staff member of the order's business.",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "order activities"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="order_activity_named"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=False) | Q(done_by__isnull=True), name="order_activity_done_by_when_done"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
