"""Validators of what people type; each raises ValidationError with a code."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

validate_postal_index = RegexValidator(
    r"^[0-9]{6}\Z",
    message=_("Почтовый индекс состоит из шести цифр, например 119034."),
    code="postal_index",
)


def normalize_phone(value: str) -> str:
    """Return the number in E.164 form (+79161234567); Russian numbers may start with 8."""
    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, "RU")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Укажите номер телефона с кодом, например +7 916 123-45-67."), code="phone"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Такого номера телефона не существует. Проверьте код и количество цифр."), code="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_domain_ascii(email: str) -> str:
    """Return the e-mail's domain in ASCII (IDNA) form: «почта.рф» becomes «xn--80a1acny.xn--p1ai»."""
    domain = email.rsplit("@", 1)[-1].strip().rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(_("Проверьте адрес электронной почты."), code="invalid") from exc


def allowed_email_zones() -> list[str]:
    zones = []
    for zone in settings.APPEALS_EMAIL_ZONES:
        zones.append(zone.strip().lstrip(".").lower().encode("idna").decode("ascii"))
    return zones


def validate_national_email_zone(email: str) -> None:
    """547-FZ: the address for the answer must be in the Russian national domain zone."""
    domain = email_domain_ascii(email)
    zones = allowed_email_zones()
    if not any(domain.endswith(f".{zone}") for zone in zones):
        shown = ", ".join("." + zone.encode("ascii").decode("idna") for zone in zones)
        raise ValidationError(
            _(
                "Адрес электронной почты должен быть в российской национальной доменной зоне (%(zones)s): "
                "этого требует часть 3 статьи 7 Федерального закона № 59-ФЗ. Укажите другой адрес."
            ),
            code="email_zone",
            params={"zones": shown},
        )


# Control characters (Unicode category Cc): C0 (U+0001-U+001F), DEL and C1
# (U+0080-U+009F). BEL, ESC and the like have no place in a name or a
# letter: they make terminals beep or run escape sequences, and C1 codes are
# what mis-decoded Windows-1251 turns into. NUL is left to Django's own
# ProhibitNullCharactersValidator, which every CharField already has.
_CONTROL_SINGLE_LINE = re.compile("[\x01-\x1f\x7f-\x9f]")
# Multi-line text keeps tab, line feed and carriage return.
_CONTROL_MULTI_LINE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Direction controls: the embeddings and overrides (U+202A-U+202E), the
# isolates (U+2066-U+2069), and the marks LRM, RLM and ALM (U+200E, U+200F,
# U+061C). An override prints the rest of a name backwards in a letter or
# the admin; the marks are invisible too and make two spellings of one name
# or address differ. A Russian name or postal address needs none of them.
_DIRECTION_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _position_params(match: re.Match[str]) -> dict[str, str | int]:
    return {"char": f"U+{ord(match.group()):04X}", "position": match.start() + 1}


@deconstructible
class ControlCharacterValidator:
    """Refuse control characters; multi-line text may still hold tabs and line breaks."""

    code = "control_character"
    message = _(
        "Текст содержит невидимый управляющий символ (%(char)s, знак № %(position)s). "
        "Удалите его: такие символы появляются при копировании из других программ "
        "и искажают текст в письмах и документах."
    )

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: str) -> None:
        pattern = _CONTROL_MULTI_LINE if self.multiline else _CONTROL_SINGLE_LINE
        match = pattern.search(str(value))
        if match:
            raise ValidationError(self.message, code=self.code, params=_position_params(match))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlCharacterValidator) and other.multiline == self.multiline


def validate_no_direction_controls(value: str) -> None:
    """Refuse bidirectional overrides, isolates and marks (names and addresses)."""
    match = _DIRECTION_CONTROLS.search(str(value))
    if match:
        raise ValidationError(
            _(
                "Текст содержит невидимый символ управления направлением письма (%(char)s, знак № %(position)s): "
                "из-за него имя или адрес может напечататься задом наперёд. Удалите его и наберите текст заново."
            ),
            code="direction_control",
            params=_position_params(match),
        )


validate_single_line_text = ControlCharacterValidator(multiline=False)
validate_multi_line_text = ControlCharacterValidator(multiline=True)
