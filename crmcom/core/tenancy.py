"""Tenancy: every business-owned row carries `business`; every read is scoped here, in one place.

Admin classes (crmcom.core.admin) and API views (crmcom.core.api.views) call `scope_queryset`;
no view filters by business by hand.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.text import capfirst


class BusinessQuerySet(models.QuerySet):
    def for_business(self, business) -> "BusinessQuerySet":
        return self.filter(business=business)


class TenantModel(models.Model):
    """A row owned by one business. `business` is set by services, never by a form or a payload."""

    business_lookup = "business"

    business = models.ForeignKey("contacts.Business", on_delete=models.CASCADE, related_name="+", editable=False)

    objects = BusinessQuerySet.as_manager()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        """Per-business uniqueness reads as an error on the one field the user chose, not on `business`."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            raise ValidationError(attribute_unique_errors(self, error.error_dict)) from None


def attribute_unique_errors(instance: models.Model, error_dict: dict) -> dict:
    errors = {field: list(field_errors) for field, field_errors in error_dict.items()}
    remaining = []
    for error in errors.pop(NON_FIELD_ERRORS, []):
        fields = [name for name in (error.params or {}).get("unique_check", ()) if name != "business"]
        if error.code in ("unique", "unique_together") and len(fields) == 1:
            field = instance._meta.get_field(fields[0])
            message = f"{capfirst(instance._meta.verbose_name)} with this {field.verbose_name} already exists."
            errors.setdefault(fields[0], []).append(ValidationError(message, code="unique"))
        else:
            remaining.append(error)
    if remaining:
        errors[NON_FIELD_ERRORS] = remaining
    return errors


def is_tenant_model(model) -> bool:
    """Rows owned by one business: a TenantModel ("business"), Business itself ("pk"), or a child reaching its
    business through a relation (`business_lookup = "order__business"`)."""
    return getattr(model, "business_lookup", None) is not None


def is_platform_admin(user) -> bool:
    """A superuser without a business administers the platform and sees every business."""
    return bool(user.is_authenticated and user.is_superuser and user.business_id is None)


def is_visible_to(obj, user) -> bool:
    """Whether `user` may see this one row (the per-object twin of scope_queryset)."""
    if not is_tenant_model(type(obj)) or is_platform_admin(user):
        return True
    return user.is_authenticated and user.business_id is not None and owner_id(obj) == user.business_id


def owner_id(obj):
    """The id of the business owning `obj`, read along its `business_lookup` ("pk", "business", "order__business").

    The path's last step is read as its `_id` column, so "business" costs no query; the steps before it load
    their rows (use select_related for lists)."""
    *path, last = obj.business_lookup.split("__")
    for step in path:
        obj = getattr(obj, step)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, f"{last}_id")


def scope_queryset(queryset: models.QuerySet, user) -> models.QuerySet:
    """Rows of `queryset` that `user` may see: their business's, or everything for a platform admin."""
    if not is_tenant_model(queryset.model) or is_platform_admin(user):
        return queryset
    if not user.is_authenticated or user.business_id is None:
        return queryset.none()
    return queryset.filter(**{queryset.model.business_lookup: user.business_id})
