"""Milestones on the order screen: added and removed through orders.services.milestones, never saved directly.

A new row without a stage is an ad hoc milestone (invoiced at once, and paid at once when a payment method is
chosen, as the API's milestone POST); a row with a stage is reached when the order enters that stage. Reached
milestones are read-only and cannot be deleted.
"""

from django import forms

from crmcom.core.admin import ScopedTabularInline
from finance.models import PaymentMethod
from orders.models import InvoicingModel, Milestone, Stage
from orders.services.milestones import add_milestone, remove_milestone


class MilestoneForm(forms.ModelForm):
    """New rows are filled in; existing ones are shown as they are (a milestone changes by remove and add)."""

    payment_method = forms.ChoiceField(
        choices=[("", "— (invoice stays due)"), *PaymentMethod.choices],
        required=False,
        help_text="Ad hoc milestones only: record its payment at once.",
    )

    class Meta:
        model = Milestone
        fields = ("name", "stage", "amount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in self.fields.values():
                field.disabled = True


class MilestoneFormSet(forms.BaseInlineFormSet):
    """Hands new and deleted rows to the services (under the order's lock); existing rows never change.

    The services alone check the rules (open order, milestone queue, stage ahead, within the order total,
    not reached): a refusal shows as an error on the order's page, the rows as typed, and saves nothing
    (OrderAdmin's ServiceRefusalsOnTheForm).
    """

    def save(self, commit=True):
        order = self.instance
        removed, added = [], []
        for form in self.deleted_forms:
            if form.instance.pk:
                remove_milestone(milestone=form.instance, user=self.user)
                removed.append(form.instance)
        for form in self.forms:
            if form.instance.pk is None and form.has_changed() and form not in self.deleted_forms:
                data = form.cleaned_data
                added.append(
                    add_milestone(
                        order=order,
                        name=data["name"],
                        amount=data["amount"],
                        stage=data.get("stage"),
                        payment_method=data.get("payment_method") or None,
                        user=self.user,
                    )
                )
        # What the admin's change message and history entry read.
        self.new_objects, self.changed_objects, self.deleted_objects = added, [], removed
        return added


class MilestoneInline(ScopedTabularInline):
    model = Milestone
    form = MilestoneForm
    formset = MilestoneFormSet
    fields = ("name", "stage", "amount", "payment_method", "is_ad_hoc", "reached_at", "invoice")
    readonly_fields = ("is_ad_hoc", "reached_at", "invoice")
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset

    def has_add_permission(self, request, obj=None):
        return changeable(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return changeable(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "stage":
            order_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Stage.objects.filter(queue__orders__pk=order_id).order_by("position")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def changeable(order) -> bool:
    """Milestones are added and removed on open orders of queues that invoice by milestones."""
    return order is not None and order.is_open and order.queue.invoicing_model == InvoicingModel.MILESTONES
