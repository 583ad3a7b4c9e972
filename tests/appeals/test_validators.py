"""The contact-detail validators, one by one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from appeals.validators import normalize_phone, validate_national_email_zone, validate_postal_index


@pytest.mark.parametrize("value", ["119034", "000000", "999999"])
def test_postal_index_accepts_six_digits(value):
    validate_postal_index(value)


@pytest.mark.parametrize("value", ["11903", "1190345", "11903a", "119 034", "", "１１９０３４", "119034\n"])
def test_postal_index_refuses_anything_else(value):
    with pytest.raises(ValidationError) as exc:
        validate_postal_index(value)
    assert exc.value.code == "postal_index"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("+7 916 123-45-67", "+79161234567"),
        ("8 (916) 123-45-67", "+79161234567"),
        ("89161234567", "+79161234567"),
        ("+7 (495) 637-56-07", "+74956375607"),
        ("+375 29 123-45-67", "+375291234567"),  # a foreign number is a number too
    ],
)
def test_phone_is_normalized_to_e164(raw, normalized):
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize("raw", ["12", "+7 916 123", "телефон", "+7 000 000-00-00", "8-800"])
def test_phone_refuses_what_cannot_be_dialled(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert exc.value.code == "phone"


@pytest.mark.parametrize(
    "email", ["a@mail.ru", "a@MAIL.RU", "a@msk.edu.ru", "a@почта.рф", "a@xn--80a1acny.xn--p1ai", "a@yandex.su"]
)
def test_national_zone_addresses_pass(email):
    validate_national_email_zone(email)


@pytest.mark.parametrize("email", ["a@gmail.com", "a@mail.ru.com", "a@ru", "a@xru", "a@example.org", "a@почта.бел"])
def test_other_zones_are_refused_with_the_law_cited(email):
    with pytest.raises(ValidationError) as exc:
        validate_national_email_zone(email)
    assert exc.value.code == "email_zone"
    message = exc.value.messages[0]
    assert ".ru, .рф, .su" in message and "59-ФЗ" in message


def test_zones_come_from_settings(settings):
    settings.APPEALS_EMAIL_ZONES = ["рф"]
    validate_national_email_zone("a@почта.рф")
    with pytest.raises(ValidationError):
        validate_national_email_zone("a@mail.ru")


def test_secrets_hash_exactly_and_access_codes_normalize():
    from appeals import tokens

    code = tokens.new_access_code()
    assert len(code) == 11 and code[5] == "-" and set(code) <= set(tokens.ACCESS_CODE_ALPHABET + "-")
    stored = tokens.hash_secret(code)
    assert tokens.check_secret(tokens.normalize_access_code(f" {code.lower()[:5]} - {code.lower()[6:]} "), stored)
    assert not tokens.check_secret(tokens.new_access_code(), stored)
    token = tokens.new_link_token()
    assert not tokens.check_secret(token.swapcase(), tokens.hash_secret(token))
    assert not tokens.check_secret(token, "")
