from django.core.exceptions import ValidationError

from contacts.models import Organisation, OrganisationKind
from crmcom.core.exceptions import StateConflict
from crmcom.core.services import save_tenant_object


def save_organisation(*, business, organisation: Organisation) -> Organisation:
    """Merchants, B2B merchants and venues; the business's own organisation comes only from sign-up.

    A B2B merchant with warehouses stays one: only B2B merchants hold stock of their own (Warehouse.clean).
    """
    was = None
    if organisation.pk is not None:
        was = Organisation.objects.values_list("kind", flat=True).get(pk=organisation.pk)
    if (was == OrganisationKind.BUSINESS) != (organisation.kind == OrganisationKind.BUSINESS):
        raise ValidationError(
            {"kind": "Only the business's own organisation, made at sign-up, has kind business; it keeps it."}
        )
    leaves_b2b = was == OrganisationKind.B2B_MERCHANT and organisation.kind != OrganisationKind.B2B_MERCHANT
    if leaves_b2b and organisation.warehouses.exists():
        raise ValidationError({"kind": "This B2B merchant has warehouses of its own: it stays a B2B merchant."})
    return save_tenant_object(business=business, instance=organisation)


def delete_organisation(*, organisation: Organisation) -> None:
    if organisation.kind == OrganisationKind.BUSINESS:
        raise StateConflict("The business's own organisation cannot be deleted.")
    organisation.delete()
