import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from contacts.services.signup import signup_business


class Command(BaseCommand):
    help = "Sign up a business: its organisation, default warehouse, device statuses and owner login."

    def add_arguments(self, parser):
        parser.add_argument("business_name")
        parser.add_argument("--currency", required=True, help="ISO 4217 code, e.g. EUR.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="Asked for when left out.")

    def handle(self, *args, business_name, currency, username, email, password, **options):
        password = password or getpass.getpass(f"Password for {username}: ")
        try:
            signed_up = signup_business(
                business_name=business_name, currency=currency, username=username, password=password, email=email
            )
        except ValidationError as error:
            lines = [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
            raise CommandError("Nothing was created.\n" + "\n".join(lines)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Signed up {signed_up.business} (id {signed_up.business.pk}) with warehouse "
                f"“{signed_up.warehouse}”; the owner signs in as {signed_up.owner.username}."
            )
        )
