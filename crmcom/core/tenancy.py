"""Tenancy: every business-owned row carries `business`; every read is scoped here, in one place.

Admin classes (crmcom.core.admin) and API views (crmcom.core.api.views) call `scope_queryset`;
no view filters by business by hand.
"""

from django.db import models


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


def is_tenant_model(model) -> bool:
    return getattr(model, "business_lookup", None) is not None


def is_platform_admin(user) -> bool:
    """A superuser without a business administers the platform and sees every business."""
    return bool(user.is_authenticated and user.is_superuser and user.business_id is None)


def is_visible_to(obj, user) -> bool:
    """Whether `user` may see this one row (the per-object twin of scope_queryset)."""
    if not is_tenant_model(type(obj)) or is_platform_admin(user):
        return True
    owner_id = obj.pk if obj.business_lookup == "pk" else obj.business_id
    return user.is_authenticated and user.business_id is not None and owner_id == user.business_id


def scope_queryset(queryset: models.QuerySet, user) -> models.QuerySet:
    """Rows of `queryset` that `user` may see: their business's, or everything for a platform admin."""
    if not is_tenant_model(queryset.model) or is_platform_admin(user):
        return queryset
    if not user.is_authenticated or user.business_id is None:
        return queryset.none()
    return queryset.filter(**{queryset.model.business_lookup: user.business_id})
