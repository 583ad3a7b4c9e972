"""The cabinet's one form: the address to send the sign-in link to."""

from __future__ import annotations

from django import forms
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from appeals.forms import PortalForm
from cabinet.services import fold_email


class EmailForm(PortalForm):
    email = forms.CharField(
        label=_("Электронная почта"),
        max_length=254,
        help_text=_("Адрес, который вы подтвердили, когда подавали обращение."),
        error_messages={"required": _("Укажите адрес электронной почты.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        EmailValidator(message=_("Проверьте адрес электронной почты: например, ivanov@mail.ru."))(email)
        return fold_email(email)
