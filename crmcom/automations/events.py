"""Domain events: services call `emit`; the automation rules of the event's business decide what happens.

STUB (the lead's skeleton): helper "automations" fills this in.
"""


def emit(event: str, *, business_id: int, payload: dict, contact=None) -> None:
    """Run the active rules of `business_id` for `event` after the current transaction commits."""
