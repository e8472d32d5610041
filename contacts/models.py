from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.geo import LatitudeField, LongitudeField
from crmcom.core.money import CurrencyField
from crmcom.core.tenancy import TenantModel


class Business(models.Model):
    """The tenant: a company that signed up and runs its back-office here."""

    business_lookup = "pk"

    name = models.CharField(max_length=200)
    currency = CurrencyField(help_text="ISO 4217 code of the business's main currency.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "businesses"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff member belongs to one business; a superuser without one administers the platform."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")


class OrganisationKind(models.TextChoices):
    BUSINESS = "business", "Business"
    MERCHANT = "merchant", "Merchant"
    B2B_MERCHANT = "b2b_merchant", "B2B merchant"
    VENUE = "venue", "Venue"


class Organisation(TenantModel):
    """The business itself (made at sign-up), its merchants, B2B merchants and venues."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    lat = LatitudeField()
    lon = LongitudeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="organisation_name_unique_per_business"),
            models.UniqueConstraint(
                fields=["business"], condition=Q(kind="business"), name="one_business_organisation_per_business"
            ),
            models.CheckConstraint(condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactKind(models.TextChoices):
    PERSON = "person", "Person"
    COMPANY = "company", "Company"


class Contact(TenantModel):
    """A customer: a person or a company. Its Account and Wallet are made with it (contacts.services)."""

    kind = models.CharField(max_length=10, choices=ContactKind.choices, default=ContactKind.PERSON)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name", "company_name", "pk"]
        indexes = [models.Index(fields=["business", "last_name"]), models.Index(fields=["business", "company_name"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="person") & ~Q(last_name="")) | (Q(kind="company") & ~Q(company_name="")),
                name="contact_named_for_its_kind",
                violation_error_message="A person needs a last name; a company needs a company name.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == ContactKind.COMPANY:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self) -> None:
        if self.kind == ContactKind.PERSON and not self.last_name.strip():
            raise ValidationError({"last_name": "A person needs a last name."})
        if self.kind == ContactKind.COMPANY and not self.company_name.strip():
            raise ValidationError({"company_name": "A company needs a company name."})


class ContactDetail(models.Model):
    """Shared shape of a contact's emails, phones and addresses: at most one primary of each."""

    is_primary = models.BooleanField(default=False)

    class Meta:
        abstract = True
        ordering = ["-is_primary", "pk"]


class ContactEmail(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField()

    class Meta(ContactDetail.Meta):
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contact_email_unique"),
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="one_primary_email"),
        ]

    def __str__(self) -> str:
        return self.email


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    LANDLINE = "landline", "Landline"
    WORK = "work", "Work"


class ContactPhone(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    number = models.CharField(
        max_length=32,
        validators=[
            RegexValidator(
                r"^\+?[0-9 ()\-]{4,31}$", "Enter a phone number: digits, spaces, dashes, an optional leading +."
            )
        ],
    )

    class Meta(ContactDetail.Meta):
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="one_primary_phone"),
        ]

    def __str__(self) -> str:
        return self.number


class ContactAddress(ContactDetail):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    lat = LatitudeField()
    lon = LongitudeField()

    class Meta(ContactDetail.Meta):
        verbose_name_plural = "contact addresses"
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True), name="one_primary_address"),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in [self.line1, self.city, self.postcode] if part)
