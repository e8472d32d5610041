from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Nightly (beat): drop expired admin and API sessions."""
    call_command("clearsessions")
