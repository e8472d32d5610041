"""Receivers of the contacts app."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router

from contacts.services.staff import DOMAIN_APPS, refresh_staff_group

NEEDED_TABLES = (Group, Permission, Group.permissions.through, ContentType)


def refresh_staff_permissions_after_migrate(sender, app_config, using, **kwargs) -> None:
    """Grant the staff group the permissions a migration of a domain app may just have created.

    post_migrate is sent once per installed app, and auth's `create_permissions` (connected earlier, in
    AuthConfig.ready) has made that app's permissions by the time this runs. Rather than guess which app comes
    last (INSTALLED_APPS order can change), this runs after each domain app: it is idempotent and costs a few
    queries. It does nothing where the auth or content-type tables are missing (a fresh database part-way
    through, `migrate auth zero`) or not migrated on this database; `migrate <app> zero` leaves the permission
    rows in place, so refreshing stays harmless there.
    """
    if app_config.label not in DOMAIN_APPS or not router.allow_migrate_model(using, Permission):
        return
    tables = set(connections[using].introspection.table_names())
    if not all(model._meta.db_table in tables for model in NEEDED_TABLES):
        return
    refresh_staff_group(using=using)
