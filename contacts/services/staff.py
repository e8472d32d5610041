from django.contrib.auth.models import Group, Permission

STAFF_GROUP = "Business staff"
DOMAIN_APPS = ["core", "contacts", "finance", "inventory", "orders", "wallets", "subscriptions", "automations"]
PLATFORM_ONLY = ["add_business", "delete_business", "add_user", "change_user", "delete_user"]


def staff_group() -> Group:
    """The group every business's staff belong to: all domain permissions except platform ones.

    Permissions are granted to the group, rows are limited by tenancy scoping.
    """
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).exclude(codename__in=PLATFORM_ONLY)
    group.permissions.set(permissions)
    return group
