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
