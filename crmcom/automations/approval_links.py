"""Signed links that let an order's contact approve or reject a stage move without logging in.

The token names the approval and the contact it was sent to, signed with the SECRET_KEY (salted, so no other
signed value of the project passes for one) and timestamped: `read_token` refuses a tampered token
(BadSignature) and, after APPROVAL_LINK_MAX_AGE, an expired one (SignatureExpired, a BadSignature). Opening the
link only shows the question; deciding is a POST, so a mail scanner that follows links decides nothing.
"""

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from crmcom.automations import conf

SALT = "crmcom.automations.approval-link"


@dataclass(frozen=True)
class ApprovalLink:
    approval_id: int
    contact_id: int


def make_token(*, approval_id: int, contact_id: int) -> str:
    return signing.dumps({"approval": approval_id, "contact": contact_id}, salt=SALT, compress=True)


def read_token(token: str) -> ApprovalLink:
    data = signing.loads(token, salt=SALT, max_age=conf.approval_link_max_age())
    return ApprovalLink(approval_id=int(data["approval"]), contact_id=int(data["contact"]))


def approval_url(*, approval_id: int, contact_id: int) -> str:
    token = make_token(approval_id=approval_id, contact_id=contact_id)
    return conf.public_base_url() + reverse("orders:approval-link", args=[token])
