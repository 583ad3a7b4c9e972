from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    """The citizen's cabinet: every appeal confirmed with one e-mail address, after a one-time sign-in link.

    A capability beside the core (STYLE.md): it reads appeals, shows what the
    status page shows, and calls the core's services.
    """

    name = "cabinet"
    verbose_name = _("Личный кабинет заявителя")
