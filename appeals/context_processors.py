from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from classifiers.models import Institution


def institution(request: HttpRequest) -> dict:
    """The institution's details for every page's header and footer (read when a page uses them)."""
    return {"institution": SimpleLazyObject(Institution.get_current)}
