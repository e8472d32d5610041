from django import forms


def kept_forms(formset) -> list[forms.Form]:
    """The inline forms that will be saved: filled in and not marked for deletion."""
    return [
        form
        for form in formset.forms
        if form.has_changed() or form.instance.pk
        if not (formset.can_delete and formset._should_delete_form(form))
    ]


def forms_for_service(formset) -> list[forms.Form]:
    """The kept inline forms, for an admin that hands them to a service instead of `formset.save()`.

    Records what `formset.save()` would have left for the admin's change message (new, changed and
    deleted objects), so the history entry reads the same.
    """
    kept = kept_forms(formset)
    formset.new_objects = [form.instance for form in kept if form.instance.pk is None]
    formset.changed_objects = [
        (form.instance, form.changed_data) for form in kept if form.instance.pk and form.has_changed()
    ]
    formset.deleted_objects = [form.instance for form in formset.deleted_forms if form.instance.pk]
    return kept
