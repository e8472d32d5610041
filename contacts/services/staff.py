"""The shared "Business staff" group: which permissions it holds, and keeping it up to date.

`staff_permissions()` is the only list: sign-up, the post_migrate receiver and
`manage.py refresh_staff_permissions` all apply it through `refresh_staff_group()`.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet

STAFF_GROUP = "Business staff"
DOMAIN_APPS = ["core", "contacts", "finance", "inventory", "orders", "wallets", "subscriptions", "automations"]
PLATFORM_ONLY = ["add_business", "delete_business", "add_user", "change_user", "delete_user"]


@dataclass(frozen=True)
class StaffRefresh:
    group: Group
    added: int
    removed: int


def staff_permissions(*, using: str = DEFAULT_DB_ALIAS) -> QuerySet[Permission]:
    """Every domain permission except the platform's own: rows are then limited by tenancy scoping."""
    return (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=DOMAIN_APPS)
        .exclude(codename__in=PLATFORM_ONLY)
    )


def refresh_staff_group(*, using: str = DEFAULT_DB_ALIAS) -> StaffRefresh:
    """Make the group hold exactly `staff_permissions()`; idempotent (a second run adds and removes nothing).

    Permissions of models added by a later migration are granted here, not only at the next sign-up.
    """
    with transaction.atomic(using=using):
        group, _ = Group.objects.using(using).get_or_create(name=STAFF_GROUP)
        wanted = set(staff_permissions(using=using).values_list("pk", flat=True))
        held = set(group.permissions.values_list("pk", flat=True))
        group.permissions.add(*(wanted - held))
        group.permissions.remove(*(held - wanted))
    return StaffRefresh(group=group, added=len(wanted - held), removed=len(held - wanted))


def staff_group() -> Group:
    """The group every business's staff belong to, with its permissions brought up to date."""
    return refresh_staff_group().group
