import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import make_business
from wallets.gateway import get_gateway

pytest_plugins = ["tests.plugins.services", "tests.plugins.fast_flush"]


@pytest.fixture(autouse=True)
def empty_test_gateway():
    """The built-in payment gateway keeps its state in process memory: every test starts with none."""
    get_gateway().reset()


@pytest.fixture
def business_and_owner(db):
    return make_business("Acme Telecom")


@pytest.fixture
def business(business_and_owner):
    return business_and_owner[0]


@pytest.fixture
def owner(business_and_owner):
    return business_and_owner[1]


@pytest.fixture
def other_business(db):
    return make_business("Rival Networks")[0]


@pytest.fixture
def api(owner) -> APIClient:
    """An API client signed in with the owner's token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=owner)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def staff_client(client, owner):
    """A browser-like client signed in to the admin as the owner."""
    client.force_login(owner)
    return client
