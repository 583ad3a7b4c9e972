from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    """Help for the registrar: it reads appeals and proposes; the services act (STYLE.md)."""

    name = "suggestions"
    verbose_name = _("Подсказки регистратору")

    def ready(self) -> None:
        from appeals.services import worklists
        from suggestions import authors, receivers  # noqa: F401  (connects the receivers)

        # One rule for "the same author" on every officials' page (issue 12 item 1): the draft page and the
        # link step list by it, and the appeal's page shows the panel's list instead of the core's.
        worklists.register_author_finder(worklists.AuthorFinder(earlier_ids=authors.earlier_ids, shown_on_page=True))
