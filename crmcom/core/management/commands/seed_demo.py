from django.core.management.base import BaseCommand

from crmcom.core.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


class Command(BaseCommand):
    help = "Load the demo business (idempotent) and print its staff login."

    def handle(self, *args, **options):
        business, created = seed_demo()
        state = "Created" if created else "Found"
        self.stdout.write(self.style.SUCCESS(f"{state} the demo business “{business}”."))
        self.stdout.write(
            f"Back-office: http://127.0.0.1:8000/  (admin at /admin/, API docs at /api/docs/)\n"
            f"Staff login: username {DEMO_USERNAME}  password {DEMO_PASSWORD}"
        )
