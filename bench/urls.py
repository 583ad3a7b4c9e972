"""The portal's URLs plus /bench/bare/: a view that does nothing, the ceiling of the stack."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from appeals_portal.urls import urlpatterns as portal_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [*portal_urlpatterns, path("bench/bare/", bare, name="bench-bare")]
