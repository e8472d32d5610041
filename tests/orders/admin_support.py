"""Helpers for the order screen's admin tests: post its change form back as it is, read its messages."""

from django.contrib.messages import get_messages


def change_form_data(response) -> dict:
    """What the order's change form posts back as it is: every inline's management form and rows."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{name}": value for name, value in formset.management_form.initial.items()})
        for form in formset.forms:
            for field in form:
                if field.value() is not None:
                    data[field.html_name] = field.value()
    return data


def admin_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_errors(response) -> list[str]:
    """The change form's own errors as the re-rendered page shows them (a service's refusal among them)."""
    return [str(error) for errors in response.context["adminform"].form.errors.values() for error in errors]


def inline_rows(response, prefix: str) -> list[dict]:
    """What each row of the inline `prefix` holds on the page, as typed."""
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix)
    return [{field.name: field.value() for field in form} for form in inline.formset.forms]
