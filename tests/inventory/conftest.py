import pytest

from finance.models import CharacteristicDefinition
from inventory.models import Warehouse
from tests.factories import CustomFieldDefinitionFactory, LocationFactory, ProductFactory, make_contact


@pytest.fixture
def warehouse(business):
    return Warehouse.objects.get(business=business, is_default=True)


@pytest.fixture
def second_warehouse(business):
    return Warehouse.objects.create(business=business, name="Partner depot", kind="partner")


@pytest.fixture
def cable(business):
    """A stockable, non-traceable good."""
    return ProductFactory(business=business, sku="CABLE", name="HDMI cable")


@pytest.fixture
def box(business):
    """A traceable good without required characteristics."""
    return ProductFactory(business=business, sku="BOX", name="Set-top box", traceable=True)


@pytest.fixture
def contact(business):
    return make_contact(business, last_name="Buyer")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploads are kept with their DeviceImport: not in var/media


@pytest.fixture
def stb(business):
    """A traceable product whose devices need a colour and may carry their storage."""
    product = ProductFactory(business=business, sku="STB", name="Set-top box", traceable=True)
    CharacteristicDefinition.objects.create(
        product=product, name="colour", value_type="choice", required=True, allowed_values=["black", "white"]
    )
    CharacteristicDefinition.objects.create(product=product, name="storage_gb", value_type="integer")
    return product


@pytest.fixture
def catalogue(business, warehouse, stb, box):
    CustomFieldDefinitionFactory(business=business, name="batch", value_type="integer")
    LocationFactory(business=business, warehouse=warehouse, name="Shelf A")
    return business
