from django import forms
from django.core.exceptions import ValidationError


def kept_forms(formset) -> list[forms.Form]:
    """The inline forms that will be saved: filled in and not marked for deletion."""
    return [
        form
        for form in formset.forms
        if form.has_changed() or form.instance.pk
        if not (formset.can_delete and formset._should_delete_form(form))
    ]


class OnePrimaryFormSet(forms.BaseInlineFormSet):
    """A contact's emails, phones or addresses: at most one marked primary."""

    def clean(self):
        super().clean()
        primaries = [form for form in kept_forms(self) if form.cleaned_data.get("is_primary")]
        if len(primaries) > 1:
            raise ValidationError("Mark only one as primary.")
