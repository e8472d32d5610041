from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from contacts.models import Business
from inventory.models import ImportStatus, Warehouse
from inventory.services.device_import import start_device_import


class Command(BaseCommand):
    help = (
        "Import devices from a CSV or XLSX file into a warehouse through one STOCK_IN, all or nothing "
        "(the same path as the admin and POST /api/v1/device-imports/). Exits non-zero with the row errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .csv or .xlsx file: a header row, then one device a row.")
        parser.add_argument("--business", type=int, required=True, help="The business's id.")
        parser.add_argument("--warehouse", type=int, required=True, help="The id of the warehouse they arrive in.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")

    def handle(self, *args, file: Path, business: int, warehouse: int, dry_run: bool, **options):
        try:
            owner = Business.objects.get(pk=business)
            target = Warehouse.objects.get(pk=warehouse, business=owner)
        except (Business.DoesNotExist, Warehouse.DoesNotExist):
            raise CommandError(f"No warehouse {warehouse} in business {business}.") from None
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        try:
            with file.open("rb") as data:
                device_import = start_device_import(
                    business=owner, warehouse=target, file=File(data, name=file.name), dry_run=dry_run, background=False
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for error in device_import.errors:
            where = f"row {error['row']}" if error["row"] else "file"
            column = f", {error['field']}" if error["field"] else ""
            self.stderr.write(f"{where}{column}: {error['message']}")
        if device_import.status == ImportStatus.FAILED:
            raise CommandError(
                f"Device import #{device_import.pk}: nothing was imported ({len(device_import.errors)} errors)."
            )
        if device_import.status == ImportStatus.VALIDATED:
            self.stdout.write(
                self.style.SUCCESS(f"Dry run #{device_import.pk}: {device_import.total_rows} rows are valid.")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Device import #{device_import.pk}: {device_import.created} devices stocked in "
                f"(transaction #{device_import.transaction_id})."
            )
        )
