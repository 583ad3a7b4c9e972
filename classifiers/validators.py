"""Validators of the reference books; callables, usable in models and forms."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from classifiers.codes import CODE_RE, ZERO_BLOCK

POSTAL_INDEX_RE = re.compile(r"[0-9]{6}")


def validate_topic_code(value: str) -> None:
    """Check that ``value`` is a topic code ``SSSS.GGGG.TTTT.QQQQ`` and not all zeros."""
    if not isinstance(value, str) or not CODE_RE.fullmatch(value):
        raise ValidationError(
            _(
                "Код темы должен состоять из четырёх блоков по четыре цифры, "
                "разделённых точками, например 0002.0006.0064.0272."
            ),
            code="topic_code_format",
        )
    if all(block == ZERO_BLOCK for block in value.split(".")):
        raise ValidationError(_("Код темы не может состоять из одних нулей."), code="topic_code_zero")


def validate_postal_index(value: str) -> None:
    """Check that ``value`` is a Russian postal index: exactly six digits."""
    if not isinstance(value, str) or not POSTAL_INDEX_RE.fullmatch(value):
        raise ValidationError(_("Почтовый индекс должен состоять из шести цифр."), code="postal_index")
