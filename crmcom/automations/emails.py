"""Emails of automation rules: to the contact, to the rule's users, or asking them to approve a stage move.

Sent through Django's email backend, one message per recipient (nobody sees the others' addresses).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from contacts.models import Business, Contact, ContactEmail
from crmcom.automations.approval_links import approval_url
from crmcom.automations.models import Action, AutomationRule, Event


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    is_contact: bool


def contact_recipient(*, business_id: int, contact_id: int | None) -> Recipient | None:
    """The contact's primary email (or its first one when none is marked primary)."""
    if contact_id is None:
        return None
    contact = Contact.objects.filter(business_id=business_id, pk=contact_id).first()
    email = ContactEmail.objects.filter(contact=contact).order_by("-is_primary", "pk").first() if contact else None
    return Recipient(email.email, contact.display_name, is_contact=True) if email else None


def user_recipients(rule: AutomationRule) -> list[Recipient]:
    users = rule.users.filter(is_active=True, business_id=rule.business_id).exclude(email="").order_by("pk")
    return [Recipient(user.email, user.get_full_name() or user.username, is_contact=False) for user in users]


def recipients(rule: AutomationRule, *, payload: dict, contact_id: int | None) -> list[Recipient]:
    contact_id = contact_id or (payload.get("order") or {}).get("contact")
    found: list[Recipient | None] = []
    if rule.action == Action.EMAIL_CONTACT:
        found.append(contact_recipient(business_id=rule.business_id, contact_id=contact_id))
    elif rule.action == Action.EMAIL_USERS:
        found.extend(user_recipients(rule))
    elif rule.action == Action.APPROVAL_REQUEST:
        found.extend(user_recipients(rule))
        if rule.ask_contact:
            found.append(contact_recipient(business_id=rule.business_id, contact_id=contact_id))
    unique = {}
    for recipient in found:
        if recipient is not None:
            unique.setdefault(recipient.address.lower(), recipient)
    return list(unique.values())


def contact_link(rule: AutomationRule, *, payload: dict, contact_id: int | None) -> str:
    """The signed link an approval request gives the contact it asks (empty for any other message)."""
    approval_id = (payload.get("approval") or {}).get("id")
    contact_id = contact_id or (payload.get("order") or {}).get("contact")
    if rule.action != Action.APPROVAL_REQUEST or not (approval_id and contact_id):
        return ""
    return approval_url(approval_id=approval_id, contact_id=contact_id)


def order_lines(order: dict) -> list[str]:
    lines = [f"Order: {order.get('number', '')}", f"Status: {order.get('status', '')}"]
    if order.get("stage"):
        lines.append(f"Stage: {order['stage'].get('name', '')}")
    if order.get("total") is not None:
        lines.append(f"Total: {order['total']} {order.get('currency', '')}".rstrip())
    return lines


def compose(
    *, business_name: str, action: str, event: str, payload: dict, recipient: Recipient, link: str = ""
) -> tuple[str, str]:
    """Subject and plain-text body of one rule's message to one recipient (`link`: where a contact decides)."""
    order = payload.get("order") or {}
    number = order.get("number")
    label = Event(event).label if event in Event.values else event
    greeting = f"Hello {recipient.name}," if recipient.name else "Hello,"
    if action == Action.APPROVAL_REQUEST:
        stage = ((payload.get("approval") or {}).get("stage") or {}).get("name", "the next stage")
        subject = f"{business_name}: approval needed for order {number} to enter “{stage}”"
        if recipient.is_contact:
            text = f"Your order {number} is waiting for your approval to enter “{stage}”."
            if link:
                text += f"\n\nApprove or reject it here: {link}"
        else:
            text = (
                f"Order {number} is waiting for approval to enter “{stage}”. Approve or reject it in the back-office."
            )
    else:
        subject = f"{business_name}: {label}" + (f" — order {number}" if number else "")
        whose = "your order" if recipient.is_contact else "order"
        text = f"{label}: {whose} {number}." if number else f"{label}."
    lines = [greeting, "", text]
    if order:
        lines += ["", *order_lines(order)]
    lines += ["", f"— {business_name}"]
    return " ".join(subject.split()), "\n".join(lines)  # a header holds one line


def send_rule_email(*, rule_id: int, event: str, payload: dict, contact_id: int | None = None) -> int:
    """Email whom the rule names about `event`; returns the number of messages sent."""
    rule = AutomationRule.objects.filter(pk=rule_id).first()
    if rule is None or rule.action == Action.WEBHOOK:
        return 0
    business_name = Business.objects.values_list("name", flat=True).get(pk=rule.business_id)
    messages = []
    for recipient in recipients(rule, payload=payload, contact_id=contact_id):
        subject, body = compose(
            business_name=business_name,
            action=rule.action,
            event=event,
            payload=payload,
            recipient=recipient,
            link=contact_link(rule, payload=payload, contact_id=contact_id) if recipient.is_contact else "",
        )
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.address]))
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
