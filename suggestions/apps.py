from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    """Help for the registrar: it reads appeals and proposes; the services act (STYLE.md)."""

    name = "suggestions"
    verbose_name = _("Подсказки регистратору")

    def ready(self) -> None:
        from suggestions import receivers  # noqa: F401  (connects the receivers)
