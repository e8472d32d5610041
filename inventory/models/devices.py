from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel


class DeviceState(models.TextChoices):
    NEW = "new", "New"
    USED = "used", "Used"
    SOLD = "sold", "Sold"
    RENTED = "rented", "Rented"
    DISPATCHED = "dispatched", "Dispatched"
    BLOCKED = "blocked", "Blocked"
    OWN_DEVICE = "own_device", "Own device"


IN_WAREHOUSE_STATES = [DeviceState.NEW, DeviceState.USED, DeviceState.BLOCKED]
SELLABLE_STATES = [DeviceState.NEW, DeviceState.USED]


class DeviceStatus(TenantModel):
    """A business's name for a device state ("Ready to ship" for new); one default per state."""

    name = models.CharField(max_length=100)
    state = models.CharField(max_length=20, choices=DeviceState.choices)
    is_default = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "device statuses"
        ordering = ["state", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="device_status_name_unique_per_business"),
            models.UniqueConstraint(
                fields=["business", "state"], condition=Q(is_default=True), name="one_default_status_per_state"
            ),
            models.CheckConstraint(condition=Q(state__in=DeviceState.values), name="device_status_state_valid"),
            # The target of the devices' (status, state) foreign key (migration 0004, PostgreSQL).
            models.UniqueConstraint(fields=["id", "state"], name="device_status_id_state"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"


class OwnerType(models.TextChoices):
    BUSINESS = "business", "Business"
    CONTACT = "contact", "Contact"
    MERCHANT = "merchant", "Merchant"


class WifiStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    CONNECTED = "connected", "Connected"
    DISCONNECTED = "disconnected", "Disconnected"


class Connectivity(models.TextChoices):
    """What the device is to the network: a WiFi or communication device cannot be removed by its contact."""

    NONE = "none", "None"
    WIFI = "wifi", "WiFi device"
    COMMUNICATION = "communication", "Communication device"


mac_address_validator = RegexValidator(
    r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$", "Enter a MAC address as six hex pairs, e.g. 00:1A:2B:3C:4D:5E."
)


HISTORY_UNINDEXED = [
    "business",
    "product",
    "owner_contact",
    "owner_organisation",
    "warehouse",
    "location",
    "balance_warehouse",
    "status",
]


class Device(FSMModelMixin, TenantModel):
    """One serialised unit of a traceable product, with its life-cycle state.

    The state moves only through the transitions below, called by inventory.services.devices;
    QuerySet.update() and bulk paths bypass them and are used only inside services that keep the rules.
    """

    # TenantModel's business, without its own index: (business, serial_number) and (business, state) lead with it.
    business = models.ForeignKey(
        "contacts.Business", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    serial_number = models.CharField(max_length=100)
    electronic_id = models.CharField(max_length=100, blank=True)
    mac_address = models.CharField("MAC address", max_length=17, blank=True, validators=[mac_address_validator])
    platform = models.CharField(max_length=50, blank=True)
    registration_token = models.CharField(max_length=100, blank=True)
    wifi_status = models.CharField(max_length=15, choices=WifiStatus.choices, default=WifiStatus.UNKNOWN)
    connectivity = models.CharField(max_length=15, choices=Connectivity.choices, default=Connectivity.NONE)
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="devices")
    owner_type = models.CharField(max_length=10, choices=OwnerType.choices, default=OwnerType.BUSINESS)
    # Owners are indexed where set only (Meta.indexes): stock in a warehouse has none.
    owner_contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="devices", db_index=False
    )
    owner_organisation = models.ForeignKey(
        "contacts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        db_index=False,
    )
    # Indexed by (warehouse, product, state).
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, null=True, blank=True, related_name="devices", db_index=False
    )
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="devices"
    )
    balance_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The warehouse whose stock balance counts this device: where it is, or where it was "
        "dispatched or rented from. Empty once sold or for contacts' own devices.",
    )
    state = FSMField(max_length=20, choices=DeviceState.choices, default=DeviceState.NEW, protected=True)
    # On PostgreSQL the (status_id, state) → device status (id, state) key of migration 0004 checks that the
    # status exists (both columns are NOT NULL): a second key on status_id alone would check it twice per row.
    status = models.ForeignKey(DeviceStatus, on_delete=models.PROTECT, related_name="devices", db_constraint=False)
    characteristics = models.JSONField(default=dict, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # History rows are read per device (`id`, simple_history's index) and by date: the copies of the foreign
    # keys are not indexed (simple_history indexes each by default, eight more index entries per row written).
    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=HISTORY_UNINDEXED)

    class Meta:
        ordering = ["serial_number"]
        indexes = [
            models.Index(fields=["business", "state"]),
            models.Index(fields=["warehouse", "product", "state"]),
            models.Index(
                fields=["owner_contact"], condition=Q(owner_contact__isnull=False), name="device_owner_contact"
            ),
            models.Index(
                fields=["owner_organisation"],
                condition=Q(owner_organisation__isnull=False),
                name="device_owner_organisation",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["business", "serial_number"], name="serial_number_unique_per_business"),
            models.CheckConstraint(condition=Q(state__in=DeviceState.values), name="device_state_valid"),
            models.CheckConstraint(
                condition=(
                    Q(owner_type="business") & Q(owner_contact__isnull=True) & Q(owner_organisation__isnull=True)
                )
                | (Q(owner_type="contact") & Q(owner_contact__isnull=False) & Q(owner_organisation__isnull=True))
                | (Q(owner_type="merchant") & Q(owner_organisation__isnull=False) & Q(owner_contact__isnull=True)),
                name="device_owner_matches_owner_type",
            ),
            models.CheckConstraint(
                condition=(Q(state__in=IN_WAREHOUSE_STATES) & Q(warehouse__isnull=False))
                | (~Q(state__in=IN_WAREHOUSE_STATES) & Q(warehouse__isnull=True) & Q(location__isnull=True)),
                name="device_in_a_warehouse_only_while_stocked",
            ),
            models.CheckConstraint(
                condition=(Q(state__in=IN_WAREHOUSE_STATES) & Q(balance_warehouse=F("warehouse")))
                | (Q(state__in=["dispatched", "rented"]) & Q(balance_warehouse__isnull=False))
                | (Q(state__in=["sold", "own_device"]) & Q(balance_warehouse__isnull=True)),
                name="device_counted_by_one_balance",
            ),
        ]

    def __str__(self) -> str:
        return self.serial_number

    # Transitions: the vocabulary of the life cycle. Side effects (balances, status, owner) live in services.

    @transition(field=state, source=SELLABLE_STATES, target=DeviceState.DISPATCHED)
    def dispatch(self) -> None:
        """Delivered to a contact for an order, not yet invoiced: still the business's."""

    @transition(field=state, source=[*SELLABLE_STATES, DeviceState.DISPATCHED], target=DeviceState.SOLD)
    def sell(self) -> None:
        """Invoiced: the contact owns it."""

    @transition(field=state, source=SELLABLE_STATES, target=DeviceState.RENTED)
    def rent(self) -> None:
        """Rented out on a subscription: the business still owns it."""

    @transition(
        field=state, source=[DeviceState.SOLD, DeviceState.RENTED, DeviceState.DISPATCHED], target=DeviceState.USED
    )
    def return_to_stock(self) -> None:
        """Back in a warehouse from a contact."""

    @transition(field=state, source=SELLABLE_STATES, target=DeviceState.BLOCKED)
    def block(self) -> None:
        """Kept in the warehouse, neither sold nor rented."""

    @transition(field=state, source=DeviceState.BLOCKED, target=RETURN_VALUE(*SELLABLE_STATES))
    def unblock(self) -> str:
        """Back to the state the device had before it was blocked, read from its history."""
        return self.state_before_block()

    def state_before_block(self) -> str:
        previous = self.history.exclude(state=DeviceState.BLOCKED).order_by("-history_date", "-history_id").first()
        return previous.state if previous else DeviceState.NEW


class StockInStatusRule(TenantModel):
    """Automation: the status devices get when stocked in, per warehouse, per product, or both.

    The most specific rule whose status maps to the arriving state (new from a supplier, used from a
    return) wins; without one the state's default status applies.
    """

    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.CASCADE, null=True, blank=True)
    product = models.ForeignKey("finance.Product", on_delete=models.CASCADE, null=True, blank=True)
    status = models.ForeignKey(DeviceStatus, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(warehouse__isnull=False) | Q(product__isnull=False), name="stock_in_rule_has_a_scope"
            ),
            # One rule per scope and status, written as partial constraints rather than nulls_distinct=False,
            # which SQLite (the local demo) cannot enforce. One rule per scope and *state* is the service's check.
            models.UniqueConstraint(
                fields=["business", "warehouse", "product", "status"],
                condition=Q(warehouse__isnull=False, product__isnull=False),
                name="stock_in_rule_unique_per_warehouse_and_product",
            ),
            models.UniqueConstraint(
                fields=["business", "warehouse", "status"],
                condition=Q(product__isnull=True),
                name="stock_in_rule_unique_per_warehouse",
            ),
            models.UniqueConstraint(
                fields=["business", "product", "status"],
                condition=Q(warehouse__isnull=True),
                name="stock_in_rule_unique_per_product",
            ),
        ]

    def __str__(self) -> str:
        scope = " / ".join(str(part) for part in (self.warehouse, self.product) if part)
        return f"{scope} → {self.status}"
