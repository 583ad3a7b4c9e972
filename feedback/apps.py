from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """The citizen's satisfaction with the answer: a capability beside the core (STYLE.md)."""

    name = "feedback"
    verbose_name = _("Оценка ответов гражданами")

    def ready(self) -> None:
        # receivers connects to appeals.signals.answer_signed; worklists
        # gives the head's front page the line of the review list.
        from feedback import receivers, worklists  # noqa: F401

        worklists.register()
