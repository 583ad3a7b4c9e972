from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationsConfig(AppConfig):
    """Answers to questions of general interest published on the site (art. 10 part 4, art. 11 part 5.1 of 59-FZ).

    A capability beside the core (STYLE.md): it reads appeals and their
    answers, and offers its pages to the core's art. 11 part 5.1 step through
    appeals.staff_forms.PUBLISHED_PAGE_SOURCES; the core does not import it.
    """

    name = "publications"
    verbose_name = _("Опубликованные ответы")

    def ready(self) -> None:
        from appeals import staff_forms
        from publications import receivers, services  # noqa: F401 (receivers: the publish link on the appeal's page)

        if services.pages_for_appeal not in staff_forms.PUBLISHED_PAGE_SOURCES:
            staff_forms.PUBLISHED_PAGE_SOURCES.append(services.pages_for_appeal)
