"""Database constraints a concurrent write won past the validation, answered as the validation answers.

Validation reads before it writes: two requests at the same time can both pass it, and the database's
constraint then refuses the second write with an IntegrityError (a 500). `constraint_errors` turns that
back into the ValidationError (400) the validation gives.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint the database reports (PostgreSQL's diagnostics), if any."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


@contextmanager
def constraint_errors(instance: models.Model, fields: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run the block (a write of `instance`) in a savepoint; a violation of one of its model's constraints
    raises the ValidationError `instance.full_clean()` gives now that the winning row is stored, or, should the
    validation still pass, the constraint's own message on its field (`fields`: constraint name → field;
    others are non-field errors). Other integrity errors pass through.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        name = violated_constraint(error)
        constraint = next((c for c in instance._meta.constraints if c.name == name), None)
        if constraint is None:
            raise
        instance.full_clean()
        field = (fields or {}).get(name, NON_FIELD_ERRORS)
        raise ValidationError({field: constraint.get_violation_error_message()}) from error
