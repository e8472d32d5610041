from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crmcom.core"
    label = "core"
    verbose_name = "Settings"
