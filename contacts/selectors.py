"""Reads of contacts' rows that more than one screen needs."""

from django.db.models import QuerySet

from contacts.models import User


def business_staff(business_id) -> QuerySet[User]:
    """The users of one business, by username: what a choice of staff (assignees, approvers) offers.

    Users are not tenant rows (a platform admin has no business), so crmcom.core.tenancy does not scope them;
    every staff choice scopes through here instead. `business_id` may be a subquery.
    """
    return User.objects.filter(business_id=business_id).order_by("username")
