from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.models import TypedFieldDefinition, related_or_none
from crmcom.core.money import CurrencyField, MoneyField
from crmcom.core.tenancy import TenantModel
from crmcom.core.typed_values import ValueType

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ProductKind(models.TextChoices):
    PHYSICAL_GOOD = "physical_good", "Physical good"
    SERVICE = "service", "Service"
    EXPENSE = "expense", "Expense"


class ServiceType(models.TextChoices):
    TERMED = "termed", "Termed"
    ONE_TIME = "one_time", "One-time"
    USAGE = "usage", "Usage"


class BundleKind(models.TextChoices):
    FIXED = "fixed", "Fixed bundle"
    FLEXIBLE = "flexible", "Flexible bundle"


class Product(TenantModel):
    """A catalogue entry: a physical good, a service or an expense; optionally a bundle of others."""

    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=ProductKind.choices)
    traceable = models.BooleanField(default=False, help_text="Serialised: each unit is a device.")
    stockable = models.BooleanField(default=False, help_text="Kept in a warehouse's stock balance.")
    service_type = models.CharField(max_length=10, choices=ServiceType.choices, null=True, blank=True)
    rental_price = MoneyField(
        null=True, blank=True, validators=NON_NEGATIVE, help_text="Per rental period, in the business's currency."
    )
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="A percentage: 20.00 is 20 %.",
    )
    owner = models.ForeignKey(
        "contacts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        help_text="A merchant that owns this product (B2B marketplace); empty for the business's own.",
    )
    bundle_kind = models.CharField(max_length=10, choices=BundleKind.choices, null=True, blank=True)
    min_picks = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Flexible bundles only.")
    max_picks = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Flexible bundles only.")
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["business", "sku"], name="product_sku_unique_per_business"),
            models.CheckConstraint(
                condition=Q(traceable=False) | Q(kind="physical_good"), name="only_physical_goods_traceable"
            ),
            models.CheckConstraint(
                condition=Q(stockable=False) | Q(kind="physical_good"), name="only_physical_goods_stockable"
            ),
            models.CheckConstraint(condition=Q(traceable=False) | Q(stockable=True), name="traceable_goods_stockable"),
            models.CheckConstraint(
                condition=(Q(kind="service") & Q(service_type__isnull=False))
                | (~Q(kind="service") & Q(service_type__isnull=True)),
                name="service_type_only_for_services",
            ),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="tax_rate_percentage"),
            models.CheckConstraint(
                condition=Q(rental_price__isnull=True) | Q(rental_price__gte=0), name="rental_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(bundle_kind__isnull=True) | (Q(traceable=False) & Q(stockable=False)),
                name="bundles_not_stocked_themselves",
            ),
            models.CheckConstraint(
                condition=(
                    Q(bundle_kind__isnull=False)  # NULL compared is NULL, which a CHECK lets through
                    & Q(bundle_kind="flexible")
                    & Q(min_picks__isnull=False)
                    & Q(max_picks__isnull=False)
                    & Q(max_picks__gte=1)
                    & Q(min_picks__lte=models.F("max_picks"))
                )
                | (
                    (Q(bundle_kind__isnull=True) | Q(bundle_kind="fixed"))
                    & Q(min_picks__isnull=True)
                    & Q(max_picks__isnull=True)
                ),
                name="picks_only_for_flexible_bundles",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def clean(self) -> None:
        # A blank choice means "none": "" would break the constraints that test these for NULL.
        self.service_type = self.service_type or None
        self.bundle_kind = self.bundle_kind or None
        errors: dict[str, str] = {}
        physical = self.kind == ProductKind.PHYSICAL_GOOD
        if self.traceable and not physical:
            errors["traceable"] = "Only physical goods can be traceable."
        if self.stockable and not physical:
            errors["stockable"] = "Only physical goods can be stockable."
        if self.traceable and physical and not self.stockable:
            errors["stockable"] = "A traceable good is stockable: each unit is a device in a warehouse."
        if self.kind == ProductKind.SERVICE and not self.service_type:
            errors["service_type"] = "A service needs a type: termed, one-time or usage."
        if self.kind != ProductKind.SERVICE and self.service_type:
            errors["service_type"] = "Only services have a service type."
        if self.bundle_kind and (self.traceable or self.stockable):
            errors["bundle_kind"] = "A bundle is not stocked itself; its components are."
        if self.bundle_kind == BundleKind.FLEXIBLE:
            if self.min_picks is None or self.max_picks is None:
                errors["min_picks"] = "A flexible bundle needs minimum and maximum picks."
            elif self.max_picks < 1 or self.min_picks > self.max_picks:
                errors["max_picks"] = "Maximum picks must be at least 1 and not below the minimum."
        elif self.min_picks is not None or self.max_picks is not None:
            errors["min_picks"] = "Only flexible bundles have picks."
        if self.owner_id and self.owner.business_id != self.business_id:
            errors["owner"] = "The owner must be an organisation of this business."
        if errors:
            raise ValidationError(errors)


class ProductPrice(models.Model):
    """The sale price of a product in one currency."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    currency = CurrencyField()
    amount = MoneyField(validators=NON_NEGATIVE)

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["product", "currency"], name="one_price_per_currency"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class CharacteristicDefinition(TypedFieldDefinition):
    """A characteristic every device of a traceable product carries (e.g. resolution, storage_gb)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="characteristics")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="characteristic_unique_per_product"),
            models.CheckConstraint(condition=Q(value_type__in=ValueType.values), name="characteristic_type_valid"),
        ]

    def clean(self) -> None:
        super().clean()
        product = related_or_none(self, "product")
        if product is not None and not product.traceable:
            raise ValidationError("Only traceable goods have characteristics.")


class BundleComponent(models.Model):
    bundle = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="in_bundles")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="component_once_per_bundle"),
            models.CheckConstraint(condition=~Q(bundle=models.F("component")), name="bundle_not_own_component"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="component_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.component}"

    def clean(self) -> None:
        bundle, component = related_or_none(self, "bundle"), related_or_none(self, "component")
        if bundle is None or component is None:
            return  # the missing field has its own "required" error
        if not bundle.bundle_kind:
            raise ValidationError("Only bundles have components; set the product's bundle kind.")
        if component.business_id != bundle.business_id:
            raise ValidationError({"component": "The component must be a product of this business."})
        if component.pk is not None and component.pk == bundle.pk:
            raise ValidationError({"component": "A bundle cannot contain itself."})
        if component.bundle_kind:
            raise ValidationError({"component": "A bundle cannot contain another bundle."})
        if bundle.bundle_kind == BundleKind.FLEXIBLE and component.traceable:
            raise ValidationError({"component": "A flexible bundle takes only non-traceable components."})
