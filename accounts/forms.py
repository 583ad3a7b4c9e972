"""The admin's sign-in form with the second factor, and the forms of the second-factor pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

CODE_HELP = _("Шесть цифр из приложения-аутентификатора или один из кодов восстановления.")


def check_code(user: User, token: str, devices: list[Device]) -> tuple[Device | None, str]:
    """Verify `token` against the one of `devices` its form fits; (device, "") or (None, a Russian error).

    A six-digit code goes to the TOTP device, anything else to the recovery
    codes, so that a wrong code counts against one device only (django-otp's
    throttling doubles that device's wait after each failure).
    """
    token = "".join(token.split()).lower()
    totp = [d for d in devices if isinstance(d, TOTPDevice)]
    static = [d for d in devices if isinstance(d, StaticDevice)]
    candidates = totp if token.isdigit() and len(token) == 6 else static
    if not candidates:
        return None, str(_("Неверный код."))
    device = candidates[0]
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, extra = device.verify_is_allowed()
        if not allowed:
            locked_until = (extra or {}).get("locked_until")
            if locked_until is not None:
                return None, str(_("Слишком много неверных кодов. Подождите несколько секунд и введите новый код."))
            return None, str(_("Проверка кода сейчас недоступна."))
        if device.verify_token(token):
            return device, ""
    return None, str(_("Неверный код. Проверьте время на телефоне и введите код, который показывает приложение."))


class SignInForm(AdminAuthenticationForm):
    """The password and, for an account with a second factor, its code, on one page."""

    otp_token = forms.CharField(
        label=_("Код подтверждения"), required=False, max_length=32, help_text=CODE_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if user is None:
            return cleaned
        devices = _confirmed_devices(user)
        if not devices:
            return cleaned  # no second factor yet: the enrolment page follows if one is required
        token = (cleaned.get("otp_token") or "").strip()
        if not token:
            self.add_error("otp_token", _("Введите код подтверждения: у этой учётной записи включён второй фактор."))
            return cleaned
        device, error = check_code(user, token, devices)
        if device is None:
            self.add_error("otp_token", error)
        else:
            # django_otp.login, on the user_logged_in signal, keeps it in the session.
            user.otp_device = device  # type: ignore[attr-defined]
        return cleaned


def _confirmed_devices(user: User) -> list[Device]:
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]


class ConfirmDeviceForm(forms.Form):
    token = forms.CharField(
        label=_("Код из приложения"), max_length=10,
        help_text=_("Шесть цифр, которые приложение показывает для этой учётной записи."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("Код состоит из шести цифр."))
        return token
