import pytest

from tests.factories import make_contact
from wallets.gateway import get_gateway

VISA = "4242424242424242"
DECLINED = "4000000000000002"


@pytest.fixture
def test_gateway():
    """The built-in test gateway (emptied before every test by tests/conftest.py)."""
    return get_gateway()


@pytest.fixture
def wallet(business):
    return make_contact(business, last_name="Holder").wallet
