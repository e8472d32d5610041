import pytest

from inventory.models import Warehouse
from tests.factories import ProductFactory, make_contact


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
