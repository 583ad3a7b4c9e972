from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassifiersConfig(AppConfig):
    name = "classifiers"
    verbose_name = _("Справочники")
    # Pinned here so that the app's migrations do not depend on the project's
    # DEFAULT_AUTO_FIELD.
    default_auto_field = "django.db.models.BigAutoField"
