"""django-axes' hooks: the client's address, and the Russian page of a locked-out sign-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The address axes counts failures against: REMOTE_ADDR, or the proxy's header (AXES_IP_META_KEY)."""
    return str(request.META.get(settings.AXES_IP_META_KEY) or request.META.get("REMOTE_ADDR") or "")


def lockout_message() -> str:
    return _(
        "Вход заблокирован: %(limit)d раз подряд введён неверный пароль для этой учётной записи с этого "
        "адреса. Попробуйте снова через %(minutes)d мин. (каждая попытка до этого срока начинает отсчёт "
        "заново) или попросите администратора портала снять блокировку (раздел «Попытки доступа»)."
    ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": settings.AXES_COOLOFF_MINUTES}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The admin's login page again, with the lockout said above the form (HTTP 429)."""
    from accounts.forms import SignInForm

    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = SignInForm(request, initial={"username": username})
    context = {
        **admin.site.each_context(request),
        "title": _("Вход заблокирован"),
        "app_path": request.get_full_path(),
        "form": form,
        "username": username,
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
        "locked_out": lockout_message(),
    }
    status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    response = TemplateResponse(request, "admin/login.html", context, status=status)
    return response.render()  # made in a middleware, after the handler renders template responses
