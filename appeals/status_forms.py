"""The citizen's status page: the number and access code, and the withdrawal request.

The forms only normalise what people type back from a receipt or a letter;
whether the pair matches an appeal is the view's business.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from appeals import tokens
from appeals.forms import PortalForm
from appeals.services import format_number

# Latin letters a person may type for the Cyrillic ones of the prefix (a
# keyboard in the other layout, or «OG» read off paper): «OG» is «ОГ».
_LATIN_TO_CYRILLIC = str.maketrans("ABCEHKMOPTXYG", "АВСЕНКМОРТХУГ")
# And the other way round for the access code, whose alphabet is Latin.
_CYRILLIC_TO_LATIN = str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")
# Hyphens, dashes and minus signs a word processor or phone may put instead of "-".
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe63\uff0d_/]")
# Separators of the number's parts as typed: dashes of any kind and spaces.
_SEPARATORS = re.compile("[\\s\u2010-\u2015\u2212\ufe63\uff0d_/-]+")
_NUMBER = re.compile(r"^(?:(?P<prefix>[^\d-]+)-?)?(?P<year>\d{4})-?(?P<sequence>\d{1,6})$")


def normalize_number(value: str) -> str:
    """What a person types back: « og-2026-123 » is «ОГ-2026-000123».

    Without the prefix («2026-000123») the institution's own is assumed. A
    value of another shape comes back upper-cased and will match nothing.
    """
    text = _SEPARATORS.sub("-", value.strip()).upper()
    match = _NUMBER.match(text)
    if match is None:
        return text
    prefix = (match["prefix"] or "").translate(_LATIN_TO_CYRILLIC)
    if prefix and prefix != str(settings.APPEALS_NUMBER_PREFIX).upper():
        return text
    return format_number(int(match["year"]), int(match["sequence"]))


def normalize_code(value: str) -> str:
    """The access code as issued: «k7p2x m4qrt» and «К7Р2ХМ4QRT» (Cyrillic letters) are «K7P2X-M4QRT»."""
    code = _DASHES.sub("-", tokens.normalize_access_code(value)).translate(_CYRILLIC_TO_LATIN)
    if len(code) == 10 and "-" not in code:
        code = f"{code[:5]}-{code[5:]}"
    return code


class SecretTextInput(forms.PasswordInput):
    """A plain text box (a code read off paper is typed more easily when seen) that never echoes its value."""

    input_type = "text"


class StatusLoginForm(PortalForm):
    number = forms.CharField(
        label=_("Регистрационный номер"),
        max_length=40,
        help_text=_("Например, ОГ-2026-000123: он указан на странице «Обращение принято» и в письмах."),
        error_messages={"required": _("Укажите регистрационный номер обращения.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Код доступа"),
        max_length=40,
        help_text=_("Десять знаков, например K7P2X-M4QRT: код показан один раз, при подаче обращения."),
        error_messages={"required": _("Укажите код доступа.")},
        widget=SecretTextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_number(self) -> str:
        return normalize_number(self.cleaned_data["number"])

    def clean_code(self) -> str:
        return normalize_code(self.cleaned_data["code"])

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor id, label, message) for each field error, for the summary above the form."""
        return [(str(field.id_for_label), str(field.label), str(error)) for field in self for error in field.errors]


class WithdrawForm(PortalForm):
    comment = forms.CharField(
        label=_("Причина отзыва"),
        required=False,
        max_length=2000,
        help_text=_("Необязательно. Например: вопрос решён."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Не более %(limit_value)d знаков.")},
    )

    def clean_comment(self) -> str:
        return self.cleaned_data["comment"].strip()
