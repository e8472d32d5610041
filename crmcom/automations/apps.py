from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    """Domain events and the automations they trigger (event → webhook, email, approval request)."""

    name = "crmcom.automations"
    label = "automations"
