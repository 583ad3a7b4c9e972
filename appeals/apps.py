from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Обращения граждан")

    def ready(self) -> None:
        # Connects the calendar-change receiver that recomputes open terms.
        from appeals.services import terms  # noqa: F401
