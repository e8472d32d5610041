"""Device import files: reading CSV/XLSX, and mapping their header to device fields.

The mapping (the admin's import screen spells it out too):
- plain columns by name or alias; case, spaces and hyphens do not matter ("Serial", "serial_number", "SN",
  "Serial No" all name the serial number; "SKU" or "Product" the product by its SKU);
- `char:<name>` a characteristic of the row's product (its CharacteristicDefinition `name`);
- `cf:<name>` a device custom field of the business (its CustomFieldDefinition `name`);
- columns an export writes but an import does not read (state, status, warehouse) are ignored, so an
  exported file can be imported elsewhere; any other column is an error (a typo must not lose data);
- an explicit mapping {file header: target} (the admin's mapping step, the API's `columns`, the command's
  `--map`) says what a header holds when its name does not: a device field or alias, `char:<name>`,
  `cf:<name>`, or "" to ignore the column. It wins over the automatic target; other headers keep theirs.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from import_export.formats.base_formats import XLSX

EXTENSIONS = ("csv", "xlsx")
ENCODING = "utf-8-sig"  # what the admin's import flow reads CSV with (a BOM from Excel is dropped)

FIELD_ALIASES = {
    "serial_number": ("serial_number", "serial", "sn", "s/n", "serial_no", "serialnumber"),
    "product": ("product", "sku", "product_sku"),
    "electronic_id": ("electronic_id", "eid", "electronicid"),
    "mac_address": ("mac_address", "mac", "macaddress"),
    "platform": ("platform",),
    "registration_token": ("registration_token", "token"),
    "wifi_status": ("wifi_status", "wifi"),
    "connectivity": ("connectivity",),
    "location": ("location",),
}
REQUIRED_FIELDS = ("serial_number", "product")
EXPORT_ONLY = ("state", "status", "warehouse")
CHARACTERISTIC_PREFIXES = ("char:", "characteristic:")
CUSTOM_FIELD_PREFIXES = ("cf:", "custom:")

ALIAS_TO_FIELD = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Column:
    index: int
    header: str  # as written in the file: errors name it
    name: str  # device field, characteristic or custom field name


@dataclass
class ColumnMap:
    fields: dict[str, Column] = field(default_factory=dict)
    characteristics: list[Column] = field(default_factory=list)
    custom_fields: list[Column] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    def header_of(self, name: str) -> str:
        """The file's header for a device field, or its canonical name when the file lacks it."""
        column = self.fields.get(name)
        return column.header if column else name


def normalise(header: str) -> str:
    return "_".join(str(header).strip().lower().replace("-", " ").replace("_", " ").split())


def target_of(value) -> str | None:
    """A mapping target in its canonical form: a device field ("sku" → "product"), `char:<name>`, `cf:<name>`,
    or "" (ignore the column) for a blank one; None when it names nothing the import knows."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    lowered = text.lower()
    for prefixes, kind in ((CHARACTERISTIC_PREFIXES, "char"), (CUSTOM_FIELD_PREFIXES, "cf")):
        prefix = next((p for p in prefixes if lowered.startswith(p)), None)
        if prefix:
            name = normalise(text[len(prefix) :])
            return f"{kind}:{name}" if name else None
    return ALIAS_TO_FIELD.get(normalise(text))


def automatic_target(header: str) -> str | None:
    """What a header maps to by itself (name, alias or prefix); "" for export-only columns, None if unknown."""
    return "" if normalise(header) in EXPORT_ONLY else target_of(header)


def automatic_mapping(headers: list) -> dict[str, str]:
    """{header: target} as the file maps without help; unknown headers map to "" (the admin preselects it)."""
    return {header: automatic_target(header) or "" for header in clean_headers(headers)}


def header_text(raw) -> str:
    """A header cell as the mapping keys it (spreadsheets give None for an empty one, numbers for some)."""
    return "" if raw is None else str(raw).strip()


def clean_headers(headers: list) -> list[str]:
    return [header for header in map(header_text, headers) if header]


def clean_mapping(mapping) -> dict[str, str]:
    """An explicit mapping {file header: target or "" / None to ignore}, checked for its shape only.

    What its headers and targets mean is map_columns' business (file-level errors of the import)."""
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise ValidationError({"columns": "Give the mapping as an object {file header: target}."})
    problems = [
        f"“{header}”: the target must be text (empty or null to ignore the column)."
        for header, target in mapping.items()
        if target is not None and not isinstance(target, str)
    ]
    if any(not isinstance(header, str) or not header.strip() for header in mapping):
        problems.insert(0, "Headers must be non-blank text.")
    if problems:
        raise ValidationError({"columns": problems})
    return {header.strip(): target or "" for header, target in mapping.items()}


def map_columns(headers: list, mapping: dict[str, str] | None = None) -> ColumnMap:
    """Which column holds what; problems are missing, repeated or unknown columns and bad mapping entries.

    `mapping` (clean_mapping's shape) says what some headers hold; the others keep their automatic target.
    """
    mapping = mapping or {}
    mapped = ColumnMap()
    seen: dict[str, str] = {}  # target → the header that took it
    present: set[str] = set()
    for index, raw in enumerate(headers):
        header = header_text(raw)
        if not header:
            continue
        present.add(header)
        if header in mapping:
            target = target_of(mapping[header])
            if target is None:
                message = f"Column “{header}” is mapped to “{mapping[header]}”, which is not a target. {COLUMN_HELP}"
                mapped.problems.append((header, message))
                continue
        else:
            target = automatic_target(header)
            if target is None:
                mapped.problems.append((header, f"Unknown column “{header}”. {COLUMN_HELP}"))
                continue
        if not target:
            continue
        if target in seen:
            mapped.problems.append((header, f"Columns “{seen[target]}” and “{header}” both map to {target}."))
            continue
        seen[target] = header
        kind, name = target.split(":", 1) if ":" in target else ("field", target)
        column = Column(index=index, header=header, name=name)
        if kind == "char":
            mapped.characteristics.append(column)
        elif kind == "cf":
            mapped.custom_fields.append(column)
        else:
            mapped.fields[name] = column
    for header in mapping:
        if header not in present:
            mapped.problems.append((header, f"The mapping names a column “{header}” the file does not have."))
    for name in REQUIRED_FIELDS:
        if name not in mapped.fields:
            aliases = ", ".join(FIELD_ALIASES[name])
            message = f"The file has no {name} column (accepted headers: {aliases}; or map a column to {name})."
            mapped.problems.append((name, message))
    return mapped


COLUMN_HELP = (
    "Columns: " + ", ".join(FIELD_ALIASES) + "; char:<characteristic> for the product's characteristics, "
    "cf:<custom field> for the business's device custom fields."
)


def file_format(name: str) -> str:
    """'csv' or 'xlsx' from the file name; anything else is refused."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise ValidationError({"file": f"Upload a CSV or XLSX file (got “{name}”)."})
    return extension


@dataclass
class Table:
    """A file's header and data rows (cells as read: text from CSV, numbers and dates from XLSX)."""

    headers: list
    rows: list[Sequence]


def read_table(data: bytes, name: str) -> Table:
    """Read an uploaded CSV or XLSX file; an unreadable one raises ValidationError on `file`.

    XLSX goes through django-import-export's XLSX format, as in the admin. CSV is read as tablib reads it
    for the admin (blank lines skipped, short rows padded, longer rows refused), straight from the csv
    module: half the time of building a tablib Dataset, which a 100,000-row file notices.
    """
    extension = file_format(name)
    try:
        if extension == "xlsx":
            dataset = XLSX().create_dataset(data)
            return Table(headers=dataset.headers or [], rows=list(dataset))
        return read_csv(data.decode(ENCODING))
    except ValidationError:
        raise
    except UnicodeDecodeError:
        raise ValidationError({"file": "The CSV file is not UTF-8 text."}) from None
    except Exception as error:  # a corrupt workbook, a CSV that is not a table
        raise ValidationError({"file": f"The file cannot be read as {extension.upper()}: {error}"}) from None


def read_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text))
    headers = next(reader, [])
    width, rows = len(headers), []
    for row in reader:
        if not row:
            continue
        if len(row) < width:
            row += [""] * (width - len(row))
        elif len(row) > width:
            number = len(rows) + 1
            raise ValidationError({"file": f"Row {number} has {len(row)} cells; the header has {width}."})
        rows.append(row)
    return Table(headers=headers, rows=rows)
