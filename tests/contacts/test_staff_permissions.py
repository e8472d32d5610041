"""The staff group keeps up with migrations: the command and the post_migrate receiver share one refresh."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db.models.signals import post_migrate

from contacts.services.staff import DOMAIN_APPS, PLATFORM_ONLY, STAFF_GROUP, staff_group, staff_permissions

pytestmark = pytest.mark.django_db


def refresh_command() -> tuple[int, int]:
    out = StringIO()
    call_command("refresh_staff_permissions", stdout=out)
    added, removed = re.search(r"(\d+) permission\(s\) added, (\d+) removed", out.getvalue()).groups()
    return int(added), int(removed)


def held() -> set[int]:
    return set(Group.objects.get(name=STAFF_GROUP).permissions.values_list("pk", flat=True))


@pytest.fixture
def group_missing_a_new_models_permissions():
    """The group as sign-up left it, then a migration adds a model: its permissions are not in the group yet."""
    group = staff_group()
    missing = list(
        Permission.objects.filter(content_type__app_label="automations", content_type__model="webhookdelivery")
    )
    group.permissions.remove(*missing)
    return missing


def test_the_command_grants_permissions_the_group_lacks_and_says_how_many(group_missing_a_new_models_permissions):
    missing = group_missing_a_new_models_permissions

    assert refresh_command() == (len(missing), 0)
    assert {permission.pk for permission in missing} <= held()
    assert held() == set(staff_permissions().values_list("pk", flat=True))


def test_the_command_removes_what_is_not_a_staff_permission_and_a_second_run_changes_nothing():
    group = staff_group()
    group.permissions.add(*Permission.objects.filter(codename__in=["add_business", "delete_group"]))

    assert refresh_command() == (0, 2)
    before = held()
    assert refresh_command() == (0, 0)
    assert held() == before


def test_platform_only_permissions_are_never_granted():
    Group.objects.all().delete()  # the command also makes the group on a database that has none

    added, _ = refresh_command()

    codenames = set(Group.objects.get(name=STAFF_GROUP).permissions.values_list("codename", flat=True))
    assert added == len(codenames) > 0
    assert not set(PLATFORM_ONLY) & codenames
    assert {"add_webhookdelivery", "view_user", "change_business"} <= codenames
    assert (
        not Permission.objects.filter(group__name=STAFF_GROUP).exclude(content_type__app_label__in=DOMAIN_APPS).exists()
    )


def test_post_migrate_of_a_domain_app_refreshes_the_group(group_missing_a_new_models_permissions):
    post_migrate.send(
        sender=apps.get_app_config("automations"),
        app_config=apps.get_app_config("automations"),
        using="default",
        apps=apps,
    )

    assert {permission.pk for permission in group_missing_a_new_models_permissions} <= held()


def test_post_migrate_of_another_app_leaves_the_group_alone(group_missing_a_new_models_permissions):
    sessions = apps.get_app_config("sessions")
    post_migrate.send(sender=sessions, app_config=sessions, using="default", apps=apps)

    assert not {permission.pk for permission in group_missing_a_new_models_permissions} & held()


def test_post_migrate_does_nothing_while_the_auth_tables_do_not_exist(
    monkeypatch, group_missing_a_new_models_permissions
):
    from django.db import connection

    monkeypatch.setattr(connection.introspection, "table_names", lambda *args, **kwargs: ["django_migrations"])
    automations = apps.get_app_config("automations")

    post_migrate.send(sender=automations, app_config=automations, using="default", apps=apps)

    assert not {permission.pk for permission in group_missing_a_new_models_permissions} & held()
