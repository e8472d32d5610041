"""Activities on the order screen: added, changed, removed, marked done and reopened through
orders.services.activities.

A new row is a new activity (ticking "done" marks it done at once); on an existing row a changed name,
assignee or due time changes it, "done" ticked marks it done and unticked reopens it, and "delete" removes it
(refused once done). A refusal (a closed order, a foreign assignee, a done activity deleted) shows as an error
on the order's page, the rows as typed, and saves nothing (OrderAdmin's ServiceRefusalsOnTheForm).
"""

from django import forms

from contacts.selectors import business_staff
from crmcom.core.admin import ScopedTabularInline
from orders.models import Order, OrderActivity
from orders.services.activities import (
    add_activity,
    change_activity,
    mark_activity_done,
    remove_activity,
    reopen_activity,
)

DETAILS = ("name", "assignee", "due_at")


class ActivityForm(forms.ModelForm):
    done = forms.BooleanField(required=False, help_text="Ticked: done; unticked again: reopened.")

    class Meta:
        model = OrderActivity
        fields = DETAILS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["done"].initial = self.instance.is_done


class ActivityFormSet(forms.BaseInlineFormSet):
    """Hands each row's change to the services; nothing is saved directly."""

    def add_fields(self, form, index):
        """Every row's assignee select (the empty form's too) shows the staff read once, not a query per row."""
        super().add_fields(form, index)
        field = form.fields["assignee"]
        if not hasattr(self, "assignee_choices"):
            self.assignee_choices = list(field.choices)
        field.choices = self.assignee_choices

    def save(self, commit=True):
        added, changed, deleted = [], [], []
        for form in self.forms:
            if form.instance.pk is None:
                if form.has_changed() and not self._should_delete_form(form):
                    added.append(self._add(form.cleaned_data))
            elif self._should_delete_form(form):
                remove_activity(activity=form.instance, user=self.user)
                deleted.append(form.instance)
            elif form.has_changed():
                changed.append(self._change(form))
        # What the admin's change message and history entry read.
        self.new_objects, self.changed_objects, self.deleted_objects = added, changed, deleted
        return added

    def _add(self, data: dict) -> OrderActivity:
        activity = add_activity(
            order=self.instance,
            name=data["name"],
            assignee=data.get("assignee"),
            due_at=data.get("due_at"),
            user=self.user,
        )
        return mark_activity_done(activity=activity, user=self.user) if data.get("done") else activity

    def _change(self, form) -> tuple[OrderActivity, list[str]]:
        data, activity = form.cleaned_data, form.instance
        details = {name: data[name] for name in DETAILS if name in form.changed_data}
        if details:
            activity = change_activity(activity=activity, **details, user=self.user)
        if "done" in form.changed_data:
            activity = (mark_activity_done if data["done"] else reopen_activity)(activity=activity, user=self.user)
        return activity, form.changed_data


class OrderActivityInline(ScopedTabularInline):
    model = OrderActivity
    form = ActivityForm
    formset = ActivityFormSet
    fields = ("name", "assignee", "due_at", "done", "done_at", "done_by")
    readonly_fields = ("done_at", "done_by")
    verbose_name_plural = "activities"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("done_by")

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.is_open and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.is_open) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_open) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            order_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            business = Order.objects.filter(pk=order_id).values("business_id")[:1]
            kwargs["queryset"] = business_staff(business)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
