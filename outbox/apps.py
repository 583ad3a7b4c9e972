from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Исходящие сообщения")

    def ready(self) -> None:
        checks.register(check_email_timeout)


def check_email_timeout(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """EMAIL_TIMEOUT must leave the delivery task's time limits their meaning (services.CLAIM_TIMEOUT)."""
    from django.conf import settings

    from outbox.services import SEND_SOFT_TIME_LIMIT

    timeout = getattr(settings, "EMAIL_TIMEOUT", None)
    if timeout is None or timeout >= SEND_SOFT_TIME_LIMIT:
        return [
            checks.Error(
                f"EMAIL_TIMEOUT is {timeout!r}: it must be a number of seconds below {SEND_SOFT_TIME_LIMIT}, "
                "the delivery task's soft time limit.",
                hint="Set EMAIL_TIMEOUT to 10 (the default) or another value below the limit.",
                id="outbox.E001",
            )
        ]
    return []
