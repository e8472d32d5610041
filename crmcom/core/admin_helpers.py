"""Helpers admin screens share: per-object actions, read-only screens, a history view for unversioned models."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
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


class ServiceRefusalsAsMessages:
    """For admins whose change form saves through services (in save_model, save_related or an inline's
    formset): a refusal the service raises (ValidationError, StateConflict) shows as an error message on the
    page again, and nothing of the save is written, instead of a server error.

    Django runs the whole save (save_model, save_related, the log entry) in one transaction inside
    changeform_view: the refusal leaves it as an exception, which rolls all of it back. The form's own
    validation (field errors) is untouched and shows on the form as usual.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, StateConflict) as refused:
            self.message_user(request, error_text(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


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
