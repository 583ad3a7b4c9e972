"""The staff's second factor: a TOTP app, with single-use recovery codes (django-otp)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import record
from accounts.models import AuditEntry

APP_NAME = "Приложение-аутентификатор"
CODES_NAME = "Коды восстановления"


def has_device(user: User, *, fresh: bool = False) -> bool:
    known = None if fresh else getattr(user, "accounts_has_device", None)  # set by accounts.backends
    if known is not None:
        return bool(known)
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def describe(user: User) -> dict[str, int]:
    """What the audit keeps of a user's second factor: how many devices and recovery codes, never a secret."""
    return {
        "totp": TOTPDevice.objects.filter(user=user, confirmed=True).count(),
        "recovery_codes": StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
    }


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one on a reload, so the QR code stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode("ascii")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    # segno draws the otpauth:// URL as inline SVG here, with no network and no image file.
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308  (segno's own markup, with no user text in it but the URL it encodes)


@transaction.atomic
def confirm(user: User, device: TOTPDevice) -> list[str]:
    """Make `device` the user's only second factor, with fresh recovery codes; the codes, to show once."""
    before = describe(user)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static = StaticDevice.objects.create(user=user, name=CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.ACCOUNTS_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    record(AuditEntry.Field.SECOND_FACTOR, before, describe(user), user=user)
    return codes


def remove_devices(user: User) -> bool:
    """Remove every device of the user (lost phone); logged. True if there was anything to remove."""
    before = describe(user)
    deleted = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    if deleted:
        record(AuditEntry.Field.SECOND_FACTOR, before, describe(user), user=user)
    return bool(deleted)
