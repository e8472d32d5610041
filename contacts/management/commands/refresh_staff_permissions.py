from django.core.management.base import BaseCommand

from contacts.services.staff import refresh_staff_group


class Command(BaseCommand):
    help = "Grant the Business staff group every domain permission (e.g. of models added since) and no other."

    def handle(self, *args, **options):
        refresh = refresh_staff_group()
        self.stdout.write(
            self.style.SUCCESS(
                f"{refresh.group.name}: {refresh.added} permission(s) added, {refresh.removed} removed; "
                f"it holds {refresh.group.permissions.count()}."
            )
        )
