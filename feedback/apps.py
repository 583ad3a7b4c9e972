from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """The citizen's satisfaction with the answer: a capability beside the core (STYLE.md)."""

    name = "feedback"
    verbose_name = _("Оценка ответов гражданами")

    def ready(self) -> None:
        # Connects the receiver of appeals.signals.answer_signed.
        from feedback import receivers  # noqa: F401
