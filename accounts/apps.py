from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Учётные записи сотрудников")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import audit, middleware  # noqa: F401  (they connect their signal receivers)
