from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Отчёты и обзоры")

    def ready(self) -> None:
        # The core never imports this app: the summary follows its history.
        from reports import signals  # noqa: F401
