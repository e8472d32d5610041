from django.db import models
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel


class Wallet(TenantModel):
    """A contact's wallet, made with the contact. Balances and the journal come with the wallets issue."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="wallet")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Wallet of {self.contact}"
