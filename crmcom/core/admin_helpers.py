"""Helpers admin screens share: per-object actions, read-only screens, a history view for unversioned models."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from crmcom.core.exceptions import StateConflict


def error_text(error: Exception) -> str:
    if isinstance(error, StateConflict):
        return error.message
    return " ".join(error.messages)


def link_to(obj, text: str) -> str:
    """A link to `obj`'s admin page when it has one (another screen may not be registered), else the text."""
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)


def apply_to_each(model_admin, request, objects: Iterable, act: Callable[[object], str]) -> None:
    """Run a service on each object, each in its own database transaction, with one message per object.

    `act` returns the success message; a refused object (validation, state conflict) gets an error
    message and the others go on. The action never fails the page.
    """
    for obj in objects:
        try:
            done = act(obj)
        except (ValidationError, StateConflict) as error:
            model_admin.message_user(request, f"{obj}: {error_text(error)}", messages.ERROR)
        else:
            model_admin.message_user(request, done, messages.SUCCESS)


class ServiceRefusalsOnTheForm:
    """For admins whose change form saves through services (in save_model, save_related or an inline's
    formset): a refusal the service raises (ValidationError, StateConflict) shows on the change form again,
    with what the user typed, and nothing of the save is written, instead of a server error.

    The save (save_model, save_related, the log entry) runs in a savepoint inside Django's changeform_view
    transaction; the refusal rolls it back. The page is then built by Django's own second pass over the same
    POST, whose change form carries the refusal as its errors (`refused_form`): the form is invalid, so Django
    writes nothing and renders the bound form and inline formsets as typed.
    """

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method != "POST":
            return super()._changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, StateConflict) as refused:
            request.service_refusal = refused
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        return form_class if refusal is None else refused_form(form_class, refusal)


def refused_form(form_class, refusal: Exception):
    """A subclass of `form_class` whose bound forms carry `refusal` as errors: on the fields it names that the
    form has, the rest (and a StateConflict) as non-field errors."""

    class RefusedForm(form_class):
        def full_clean(self):
            super().full_clean()
            if self.is_bound:
                add_refusal(self, refusal)

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


def add_refusal(form, refusal: Exception) -> None:
    if not hasattr(refusal, "error_dict"):
        form.add_error(None, error_text(refusal))
        return
    for field, errors in refusal.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class AdminLogHistory:
    """For models without simple_history rows: the History link shows Django's admin log of the object."""

    object_history_template = None

    def history_view(self, request, object_id, extra_context=None):
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise Http404("This model keeps no versions.")


class ReadOnlyAdminMixin:
    """Rows written only by services (money documents, journals, imports): shown, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
