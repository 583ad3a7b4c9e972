"""Validators of the citizen's contact details; each raises ValidationError with a code."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
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
