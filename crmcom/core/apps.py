from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crmcom.core"
    label = "core"
    verbose_name = "Settings"

    def ready(self) -> None:
        from crmcom.core.admin_filters import register_scoped_filters

        register_scoped_filters()
