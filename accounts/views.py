"""The staff's own second-factor pages: enrolment (QR code, secret, confirmation, recovery codes) and its state.

They live under /admin/ and look like the admin. Enrolment is open to a
user who must have a second factor and has none (the middleware sends them
here) and to any staff user without one; replacing a device needs a
session confirmed with the current one.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken

from accounts import rights, second_factor
from accounts.forms import ConfirmDeviceForm, check_code


def _page(request: HttpRequest, template: str, title: str, **context: object) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), "title": title, **context})


def _enrolment_page(request: HttpRequest, template: str, title: str, **context: object) -> TemplateResponse:
    # No sidebar of admin pages that cannot be reached before the enrolment ends.
    return _page(request, template, title, is_nav_sidebar_enabled=False, **context)


@never_cache
@staff_member_required
def status(request: HttpRequest) -> HttpResponse:
    user = request.user
    return _page(
        request, "accounts/second_factor.html", _("Второй фактор"),
        has_device=second_factor.has_device(user),  # type: ignore[arg-type]
        required=rights.must_have_second_factor(user),  # type: ignore[arg-type]
        codes_left=StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
    )


@never_cache
@staff_member_required
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Replacing a device: only in a session confirmed with the device being replaced.
    if second_factor.has_device(user) and not user.is_verified():  # type: ignore[arg-type, union-attr]
        return redirect("admin:login")
    device = second_factor.pending_device(user)  # type: ignore[arg-type]
    form = ConfirmDeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        checked, error = check_code(user, form.cleaned_data["token"], [device])  # type: ignore[arg-type]
        if checked is None:
            form.add_error("token", error)
        else:
            codes = second_factor.confirm(user, device)  # type: ignore[arg-type]
            otp_login(request, device)
            # The codes appear in this response only: no page shows them again.
            return _enrolment_page(request, "accounts/recovery_codes.html", _("Коды восстановления"), codes=codes)
    return _enrolment_page(
        request, "accounts/setup.html", _("Подключение второго фактора"),
        form=form, qr=second_factor.qr_svg(device), secret=second_factor.secret_text(device),
        replacing=second_factor.has_device(user),  # type: ignore[arg-type]
        required=rights.must_have_second_factor(user),  # type: ignore[arg-type]
    )
