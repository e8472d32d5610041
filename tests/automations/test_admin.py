"""Admin: endpoints (secret shown once, rotated by an action), rules (staff of the business), the delivery log."""

import pytest
from django.contrib.messages import get_messages

from contacts.models import User
from crmcom.automations.models import AutomationRule, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.factories import make_webhook_delivery, make_webhook_endpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/automations/webhookendpoint/"
RULES = "/admin/automations/automationrule/"
DELIVERIES = "/admin/automations/webhookdelivery/"


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("url", [ENDPOINTS, RULES, DELIVERIES, f"{ENDPOINTS}add/", f"{RULES}add/"])
def test_the_screens_open_for_staff(staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_adding_an_endpoint_shows_the_secret_once(staff_client, business):
    response = staff_client.post(
        f"{ENDPOINTS}add/", {"name": "ERP", "url": "https://erp.example.com/hooks", "is_active": "on"}, follow=True
    )

    endpoint = WebhookEndpoint.objects.get(business=business)
    assert any(endpoint.secret in text for text in texts(response))
    page = staff_client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page
    assert endpoint.secret[-4:] in page


def test_the_rotate_action_gives_a_new_secret_and_shows_it(staff_client, business):
    endpoint = make_webhook_endpoint(business=business)
    old = endpoint.secret

    response = staff_client.post(
        ENDPOINTS, {"action": "rotate_secrets", "_selected_action": [endpoint.pk]}, follow=True
    )

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert any(endpoint.secret in text for text in texts(response))


def test_rule_users_are_the_staff_of_the_business(staff_client, owner, other_business):
    clerk = User.objects.create_user("clerk", email="c@acme.example", password="x", business=owner.business)
    stranger = User.objects.get(business=other_business)

    form = staff_client.get(f"{RULES}add/").context["adminform"].form
    response = staff_client.post(
        f"{RULES}add/",
        {"name": "Tell", "event": "order.new", "action": "email_users", "users": [stranger.pk], "is_active": "on"},
    )
    added = staff_client.post(
        f"{RULES}add/",
        {"name": "Tell", "event": "order.new", "action": "email_users", "users": [clerk.pk], "is_active": "on"},
    )

    assert set(form.fields["users"].queryset) == {owner, clerk}
    assert response.status_code == 200 and "users" in response.context["adminform"].form.errors
    assert added.status_code == 302
    assert list(AutomationRule.objects.get(name="Tell").users.all()) == [clerk]


def test_a_webhook_rule_without_an_endpoint_is_refused_on_the_field(staff_client):
    response = staff_client.post(
        f"{RULES}add/", {"name": "Hook", "event": "order.new", "action": "webhook", "is_active": "on"}
    )

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"endpoint"}  # the service's message, on the field
    assert not AutomationRule.objects.exists()


def test_the_retry_action_sends_failed_deliveries_again(
    staff_client, business, receiver, django_capture_on_commit_callbacks
):
    failed = make_webhook_delivery(business=business)
    delivered = make_webhook_delivery(business=business, status=DeliveryStatus.DELIVERED)
    WebhookEndpoint.objects.filter(pk=failed.endpoint_id).update(url=receiver.url)
    receiver.secret = failed.endpoint.secret

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            DELIVERIES, {"action": "retry", "_selected_action": [failed.pk, delivered.pk]}, follow=True
        )

    messages = texts(response)
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.DELIVERED
    assert [request.signature_ok for request in receiver.received] == [True]
    assert any("queued again" in text for text in messages)
    assert any("Only failed deliveries" in text for text in messages)
    assert WebhookDelivery.objects.get(pk=delivered.pk).attempts == 1


def test_the_delivery_log_cannot_be_edited(staff_client, business):
    delivery = make_webhook_delivery(business=business)

    page = staff_client.get(f"{DELIVERIES}{delivery.pk}/change/")

    assert page.status_code == 200
    assert b'name="status"' not in page.content
    assert staff_client.get(f"{DELIVERIES}add/").status_code == 403


def test_ask_contact_is_refused_on_the_field_for_other_rules_and_saved_on_approval_rules(staff_client, business):
    refused = staff_client.post(
        f"{RULES}add/", {"name": "Tell", "event": "order.cancel", "action": "email_contact", "ask_contact": "on"}
    )
    added = staff_client.post(
        f"{RULES}add/",
        {"name": "Ask", "event": "order.prior_stage_update", "action": "approval_request", "ask_contact": "on"},
    )

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["ask_contact"] == ["Only approval requests ask the contact."]
    assert added.status_code == 302
    assert list(AutomationRule.objects.filter(business=business).values_list("name", "ask_contact")) == [("Ask", True)]
