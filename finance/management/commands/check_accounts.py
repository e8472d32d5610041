"""Prints every account whose balance is not the sum of its ledger entries; exits non-zero when any."""

from django.core.management.base import BaseCommand, CommandError

from finance.selectors import drifting_accounts


class Command(BaseCommand):
    help = "Check that every account's balance equals the sum of its ledger entries."

    def handle(self, *args, **options):
        drifting = list(drifting_accounts())
        for account in drifting:
            self.stdout.write(
                f"account {account.pk} ({account.contact}): balance {account.balance}, "
                f"entries say {account.entries_total} {account.currency}"
            )
        if drifting:
            raise CommandError(f"{len(drifting)} account(s) drift from their entries.")
        self.stdout.write("Every account balance equals the sum of its entries.")
