"""Queues of stages, configured per business: where an order is in its process and what each step means."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.money import MoneyField
from crmcom.core.tenancy import TenantModel
from orders.models.choices import InvoicingModel


class Queue(TenantModel):
    """An ordered list of stages an order moves through. Sign-up makes one default queue per business.

    A device plan (`is_device_plan`) hands the goods over first and has them paid off in milestone invoices:
    it invoices by milestones (a constraint), has milestone stages, and invoices the goods themselves only
    once paid off, by the final invoice on completion or at a point of no return no earlier than its last
    milestone stage (orders.services.queues.device_plan_problems). Milestone invoices are advances that move
    no stock, so the goods leave as a `dispatch` (devices DISPATCHED, still the business's; a return before
    the PoNR brings them back as usual) and are sold (devices SOLD, owned by the contact) by that invoice.
    """

    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False, help_text="New orders go here unless told otherwise.")
    invoicing_model = models.CharField(max_length=12, choices=InvoicingModel.choices, default=InvoicingModel.UPFRONT)
    is_device_plan = models.BooleanField(
        default=False,
        help_text=(
            "A device plan: goods are handed over and paid off in milestone invoices; they stay the business's "
            "(dispatched) until invoiced once paid off (at completion, or a point of no return at or after "
            "the last milestone)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="queue_name_unique_per_business"),
            models.UniqueConstraint(
                fields=["business"], condition=Q(is_default=True), name="one_default_queue_per_business"
            ),
            models.CheckConstraint(
                condition=Q(invoicing_model__in=InvoicingModel.values), name="queue_invoicing_model_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_device_plan=False) | Q(invoicing_model="milestones"),
                name="device_plans_invoice_by_milestones",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_device_plan and self.invoicing_model != InvoicingModel.MILESTONES:
            raise ValidationError({"invoicing_model": "A device plan is paid off in milestone invoices."})


class Stage(models.Model):
    """One step of a queue. `position` orders the steps; an order moves forward (or back, before the PoNR)."""

    business_lookup = "queue__business"  # tenancy: a stage is its queue's business's (crmcom.core.tenancy)

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    in_progress = models.BooleanField(
        default=False, help_text="Entering it marks the order in progress (and reserves its items)."
    )
    milestone_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text="A milestone of this percentage of the order total is reached here.",
    )
    milestone_amount = MoneyField(
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="A milestone of this amount (in the order's currency) is reached here.",
    )
    point_of_no_return = models.BooleanField(
        default=False, help_text="From here on the order cannot be returned; cancelling costs the amount."
    )
    invoice_at_ponr = models.BooleanField(default=False, help_text="Invoice the order when the PoNR is reached.")
    requires_approval = models.BooleanField(default=False, help_text="Entering it waits for an approval.")
    allows_modification = models.BooleanField(default=True, help_text="Items and quantities may change here.")
    activities = models.JSONField(
        default=list,
        blank=True,
        help_text='Names of the activities an order gets when it enters this stage, e.g. ["Install", "Inspect"].',
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["queue", "position"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "position"], name="stage_position_unique_per_queue"),
            models.UniqueConstraint(fields=["queue", "name"], name="stage_name_unique_per_queue"),
            models.UniqueConstraint(
                fields=["queue"], condition=Q(point_of_no_return=True), name="one_point_of_no_return_per_queue"
            ),
            models.CheckConstraint(
                condition=Q(milestone_percent__isnull=True) | Q(milestone_amount__isnull=True),
                name="stage_milestone_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=Q(milestone_percent__isnull=True)
                | (Q(milestone_percent__gt=0) & Q(milestone_percent__lte=100)),
                name="stage_milestone_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(milestone_amount__isnull=True) | Q(milestone_amount__gt=0),
                name="stage_milestone_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(invoice_at_ponr=False) | Q(point_of_no_return=True),
                name="invoice_at_ponr_only_on_the_ponr",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue}: {self.position}. {self.name}"

    @property
    def has_milestone(self) -> bool:
        return self.milestone_percent is not None or self.milestone_amount is not None

    def clean(self) -> None:
        errors = {}
        if self.milestone_percent is not None and self.milestone_amount is not None:
            errors["milestone_amount"] = "A milestone is a percentage or an amount, not both."
        if self.invoice_at_ponr and not self.point_of_no_return:
            errors["invoice_at_ponr"] = "Only the point of no return can invoice at the point of no return."
        if not is_name_list(self.activities):
            errors["activities"] = "A list of distinct activity names (each 1 to 100 characters)."
        if errors:
            raise ValidationError(errors)


def is_name_list(value) -> bool:
    """A list of distinct, non-blank names of at most 100 characters (OrderActivity.name)."""
    if not isinstance(value, list) or not all(isinstance(name, str) and 0 < len(name.strip()) <= 100 for name in value):
        return False
    return len({name.strip() for name in value}) == len(value)
