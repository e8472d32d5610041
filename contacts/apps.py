from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts and businesses"

    def ready(self) -> None:
        from contacts.signals import refresh_staff_permissions_after_migrate

        # After django.contrib.auth's own receiver (its app is listed first), which creates the permissions.
        post_migrate.connect(refresh_staff_permissions_after_migrate, dispatch_uid="contacts.refresh_staff_permissions")
