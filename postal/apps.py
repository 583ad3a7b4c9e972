from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    name = "postal"
    verbose_name = _("Почтовая отправка")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A new postal letter gets its mail class, sheets, envelope and weight (postal.signals).
        from postal import signals  # noqa: F401
