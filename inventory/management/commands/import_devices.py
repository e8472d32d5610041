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
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            dest="mapping",
            metavar="HEADER=TARGET",
            help=(
                "Which column holds what, where its header does not say (repeatable): a device field (serial_number, "
                "sku, mac_address, …), char:<characteristic>, cf:<custom field>, or nothing after = to ignore it."
            ),
        )

    def handle(self, *args, file: Path, business: int, warehouse: int, dry_run: bool, mapping: list, **options):
        try:
            owner = Business.objects.get(pk=business)
            target = Warehouse.objects.get(pk=warehouse, business=owner)
        except (Business.DoesNotExist, Warehouse.DoesNotExist):
            raise CommandError(f"No warehouse {warehouse} in business {business}.") from None
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        columns = parse_mapping(mapping)
        try:
            with file.open("rb") as data:
                device_import = start_device_import(
                    business=owner,
                    warehouse=target,
                    file=File(data, name=file.name),
                    columns=columns,
                    dry_run=dry_run,
                    background=False,
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


def parse_mapping(entries: list[str]) -> dict[str, str]:
    """`--map "Numéro de série=serial_number"` entries as {header: target} (the last = splits: headers may hold one)."""
    columns: dict[str, str] = {}
    for entry in entries:
        header, equals, target = entry.rpartition("=")
        if not equals or not header.strip():
            raise CommandError(f"--map “{entry}”: give HEADER=TARGET (nothing after = ignores the column).")
        if header.strip() in columns:
            raise CommandError(f"--map names the column “{header.strip()}” twice.")
        columns[header.strip()] = target.strip()
    return columns
