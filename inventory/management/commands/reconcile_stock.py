from django.core.management.base import BaseCommand, CommandError

from inventory.selectors import stock_drift


class Command(BaseCommand):
    help = "Recompute every stock balance from the ledger, reservations and devices; print the drift."

    def add_arguments(self, parser):
        parser.add_argument("--business", type=int, help="Only this business's balances (id).")

    def handle(self, *args, business=None, **options):
        drifts = stock_drift(business_id=business)
        for drift in drifts:
            self.stdout.write(f"DRIFT {drift}")
        if drifts:
            raise CommandError(f"{len(drifts)} balance counters drift from the ledger.")
        self.stdout.write(self.style.SUCCESS("No drift: every balance matches the ledger, reservations and devices."))
