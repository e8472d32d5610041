"""API: endpoints (secret shown once), rules (staff of the business only), the delivery log and its retry."""

import pytest

from contacts.models import User
from crmcom.automations.models import Action, AutomationRule, DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from tests.factories import make_automation_rule, make_webhook_delivery, make_webhook_endpoint

pytestmark = pytest.mark.django_db


def test_creating_an_endpoint_shows_its_secret_once(api, business):
    created = api.post("/api/v1/webhook-endpoints/", {"name": "ERP", "url": "https://erp.example.com/hooks"})

    assert created.status_code == 201, created.content
    endpoint = WebhookEndpoint.objects.get(business=business)
    assert created.json()["secret"] == endpoint.secret
    assert len(endpoint.secret) == 64
    assert "secret" not in api.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/").json()
    assert "secret" not in api.get("/api/v1/webhook-endpoints/").json()["results"][0]


def test_a_client_cannot_choose_the_secret(api, business):
    api.post("/api/v1/webhook-endpoints/", {"name": "ERP", "url": "https://erp.example.com/", "secret": "mine"})

    assert WebhookEndpoint.objects.get(business=business).secret != "mine"


def test_rotating_the_secret_answers_the_new_one(api, business):
    endpoint = make_webhook_endpoint(business=business)
    old = endpoint.secret

    response = api.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/rotate-secret/")

    endpoint.refresh_from_db()
    assert response.status_code == 200
    assert endpoint.secret != old
    assert response.json()["secret"] == endpoint.secret


def test_endpoints_are_http_or_https(api):
    response = api.post("/api/v1/webhook-endpoints/", {"name": "FTP", "url": "ftp://files.example.com/drop"})

    assert response.status_code == 400
    assert "url" in response.json()


def test_an_endpoint_that_rules_call_is_not_deleted(api, business):
    rule = make_automation_rule(business=business)

    response = api.delete(f"/api/v1/webhook-endpoints/{rule.endpoint_id}/")

    assert response.status_code == 409
    assert WebhookEndpoint.objects.filter(pk=rule.endpoint_id).exists()


def test_a_webhook_rule_needs_an_endpoint_and_other_rules_none(api, business, owner):
    endpoint = make_webhook_endpoint(business=business)

    no_endpoint = api.post("/api/v1/automation-rules/", {"name": "A", "event": "order.new", "action": "webhook"})
    email_with_endpoint = api.post(
        "/api/v1/automation-rules/",
        {"name": "B", "event": "order.new", "action": "email_contact", "endpoint": endpoint.pk},
    )
    no_users = api.post("/api/v1/automation-rules/", {"name": "C", "event": "order.new", "action": "email_users"})
    good = api.post(
        "/api/v1/automation-rules/",
        {"name": "D", "event": "order.cancel", "action": "email_users", "users": [owner.pk]},
        format="json",
    )

    assert no_endpoint.status_code == 400 and "endpoint" in no_endpoint.json()
    assert email_with_endpoint.status_code == 400 and "endpoint" in email_with_endpoint.json()
    assert no_users.status_code == 400 and "users" in no_users.json()
    assert good.status_code == 201, good.content
    assert good.json() == {
        "id": good.json()["id"],
        "name": "D",
        "event": "order.cancel",
        "action": "email_users",
        "endpoint": None,
        "users": [owner.pk],
        "ask_contact": False,
        "is_active": True,
    }
    assert list(AutomationRule.objects.get(name="D").users.all()) == [owner]


def test_only_approval_requests_ask_the_contact_and_then_need_no_users(api):
    email = api.post(
        "/api/v1/automation-rules/",
        {"name": "Tell", "event": "order.cancel", "action": "email_contact", "ask_contact": True},
        format="json",
    )
    nobody = api.post(
        "/api/v1/automation-rules/",
        {"name": "Nobody", "event": "order.prior_stage_update", "action": "approval_request"},
        format="json",
    )
    contact_only = api.post(
        "/api/v1/automation-rules/",
        {"name": "Ask", "event": "order.prior_stage_update", "action": "approval_request", "ask_contact": True},
        format="json",
    )

    assert email.status_code == 400 and email.json()["ask_contact"] == ["Only approval requests ask the contact."]
    assert nobody.status_code == 400 and nobody.json()["users"] == ["Choose who approves."]
    assert contact_only.status_code == 201, contact_only.content
    assert contact_only.json()["ask_contact"] is True and contact_only.json()["users"] == []
    assert list(AutomationRule.objects.values_list("name", flat=True)) == ["Ask"]


def test_approval_requests_are_about_stage_moves(api, owner):
    wrong = api.post(
        "/api/v1/automation-rules/",
        {"name": "Ask", "event": "order.new", "action": "approval_request", "users": [owner.pk]},
        format="json",
    )
    right = api.post(
        "/api/v1/automation-rules/",
        {"name": "Ask", "event": "order.prior_stage_update", "action": "approval_request", "users": [owner.pk]},
        format="json",
    )

    assert wrong.status_code == 400 and "event" in wrong.json()
    assert right.status_code == 201, right.content


def test_rules_name_only_staff_of_the_business(api, business, other_business):
    stranger = User.objects.filter(business=other_business).get()

    response = api.post(
        "/api/v1/automation-rules/",
        {"name": "Spy", "event": "order.new", "action": "email_users", "users": [stranger.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert "does not exist" in str(response.json()["users"])
    assert not AutomationRule.objects.exists()


def test_changing_a_rule_keeps_its_users_unless_given(api, business, owner):
    rule = make_automation_rule(business=business, action=Action.EMAIL_USERS, users=[owner])

    renamed = api.patch(f"/api/v1/automation-rules/{rule.pk}/", {"name": "Renamed", "event": "order.complete"})

    assert renamed.status_code == 200, renamed.content
    rule.refresh_from_db()
    assert (rule.name, rule.event, list(rule.users.all())) == ("Renamed", Event.ORDER_COMPLETE, [owner])
    cleared = api.patch(f"/api/v1/automation-rules/{rule.pk}/", {"users": []}, format="json")
    assert cleared.status_code == 400 and "users" in cleared.json()


def test_rules_filter_by_event_and_action(api, business):
    wanted = make_automation_rule(business=business, event=Event.ORDER_CANCEL)
    make_automation_rule(business=business, event=Event.ORDER_NEW)
    make_automation_rule(business=business, event=Event.ORDER_CANCEL, action=Action.EMAIL_CONTACT)

    rows = api.get("/api/v1/automation-rules/?event=order.cancel&action=webhook").json()["results"]

    assert [row["id"] for row in rows] == [wanted.pk]


def test_the_delivery_log_is_read_only(api, business):
    delivery = make_webhook_delivery(business=business)

    assert api.post("/api/v1/webhook-deliveries/", {"endpoint": delivery.endpoint_id}).status_code == 405
    assert api.patch(f"/api/v1/webhook-deliveries/{delivery.pk}/", {"status": "delivered"}).status_code == 405
    assert api.delete(f"/api/v1/webhook-deliveries/{delivery.pk}/").status_code == 405
    row = api.get(f"/api/v1/webhook-deliveries/{delivery.pk}/").json()
    assert (row["status"], row["attempts"], row["response_status"], row["next_attempt_at"]) == ("failed", 1, 500, None)


def test_retrying_a_failed_delivery_sends_it_again(api, business, receiver, django_capture_on_commit_callbacks):
    delivery = make_webhook_delivery(business=business)
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(url=receiver.url)
    receiver.secret = delivery.endpoint.secret

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/retry/")

    assert response.status_code == 200
    assert response.json()["status"] == "pending"  # queued; sent once the request's transaction commits
    assert response.json()["next_attempt_at"] is not None  # due now: the beat job sends it if the message is lost
    assert [request.signature_ok for request in receiver.received] == [True]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.DELIVERED, 2, 200)


@pytest.mark.parametrize("status", [DeliveryStatus.PENDING, DeliveryStatus.DELIVERED])
def test_only_failed_deliveries_are_retried(api, business, status):
    delivery = make_webhook_delivery(business=business, status=status)

    response = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/retry/")

    assert response.status_code == 409
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == status


def test_a_delivery_to_an_inactive_endpoint_is_not_retried(api, business):
    delivery = make_webhook_delivery(business=business)
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(is_active=False)

    response = api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/retry/")

    assert response.status_code == 409
    assert "inactive" in response.json()["detail"]


def test_another_business_cannot_retry_my_delivery(api, other_business):
    theirs = make_webhook_delivery(business=other_business)

    assert api.post(f"/api/v1/webhook-deliveries/{theirs.pk}/retry/").status_code == 404
    assert WebhookDelivery.objects.get(pk=theirs.pk).status == DeliveryStatus.FAILED
