from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from contacts.models import User


@shared_task
def send_welcome_email(user_id: int) -> None:
    """Greet the owner of a newly signed-up business with their login."""
    user = User.objects.select_related("business").get(pk=user_id)
    if not user.email:
        return
    send_mail(
        subject=f"Welcome to your back-office, {user.business.name}",
        message=f"Your business {user.business.name} is ready. Sign in as {user.username}.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
