"""Shared fixtures of the finance tests.

Signing a business up costs about twenty queries, and nearly every test here needs two of them. A module
that imports these fixtures makes both businesses once, inside a transaction rolled back when the module
ends (what Django's setUpTestData does for a TestCase class); each test still runs in its own savepoint,
so what a test writes is gone before the next one starts. They override conftest's `business_and_owner`
and `other_business`, so `business`, `owner`, `api` and `staff_client` work unchanged.

    from tests.finance import module_tenants, shared_business_and_owner, shared_other_business  # noqa: F401

Only for tests on the plain `db` fixture: a `transaction=True` test would flush the tables under the open
transaction.
"""

import pytest
from django.db import transaction

from tests.factories import make_business


@pytest.fixture(scope="module", name="module_tenants")
def module_tenants(django_db_setup, django_db_blocker):
    """((business, owner), other_business), made once per module and rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            tenants = make_business("Acme Telecom"), make_business("Rival Networks")[0]
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield tenants
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(name="business_and_owner")
def shared_business_and_owner(db, module_tenants):
    return module_tenants[0]


@pytest.fixture(name="other_business")
def shared_other_business(db, module_tenants):
    return module_tenants[1]
