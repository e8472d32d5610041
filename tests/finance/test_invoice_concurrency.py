"""Invoice numbers under concurrency: real threads on PostgreSQL, one connection each, started by a barrier."""

import threading

import pytest
from django.db import connections

from finance.models import Account, Invoice, ProductKind
from finance.selectors import account_balance
from finance.services.invoices import InvoiceLineInput, create_invoice, issue_invoice
from tests.factories import ProductFactory, make_business, make_contact

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def test_16_concurrent_issues_take_16_consecutive_numbers():
    # given 16 drafts of one business, half of them on the same account
    business, _ = make_business("Race Billing")
    service = ProductFactory(business=business, kind=ProductKind.SERVICE, stockable=False, service_type="one_time")
    shared = make_contact(business)
    drafts = [
        create_invoice(
            business=business,
            contact=shared if index % 2 else make_contact(business),
            lines=[InvoiceLineInput(service, 1)],
        )
        for index in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    errors = []

    def issue(draft):
        try:
            barrier.wait()
            issue_invoice(invoice=draft)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    # when they are issued at the same time
    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every one is issued, with the numbers 1..16, no gap and no duplicate
    assert not any(thread.is_alive() for thread in threads), "a thread hung: deadlock?"
    assert errors == []
    numbers = sorted(Invoice.objects.filter(business=business).values_list("number", flat=True))
    assert numbers == [f"INV-{n:06d}" for n in range(1, THREADS + 1)]
    for account in Account.objects.filter(business=business):
        assert account.balance == account_balance(account)
    assert Account.objects.get(contact=shared).balance == 8 * drafts[0].total
