"""Shared data of the letters tests: an appeal and a full context per kind."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from appeals.models import Appeal
from classifiers.models import Institution, Topic
from letters.services import letter_context

ANSWER_TEXT = "Перевод на бюджетное место проводится при наличии свободных мест по результатам аттестации."


def make_appeal(**fields: Any) -> Appeal:
    topic = Topic.objects.filter(level=4).first()
    defaults: dict[str, Any] = {
        "number": "ОГ-2026-000042",
        "year": 2026,
        "sequence": 42,
        "topic": topic,
        "topic_code": topic.code,
        "topic_title": topic.title,
        "kind": "primary",
        "text": "Прошу разъяснить порядок перевода на бюджетное место.",
        "identification_method": "email",
        "identified_as": "maria.ivanova@mail.ru",
        "consent_at": timezone.now(),
        "access_code_hash": "x",
        "last_name": "Иванова",
        "first_name": "Мария",
        "patronymic": "Петровна",
        "address": "г. Москва, ул. Остоженка, д. 1, кв. 2",
        "postal_index": "119034",
        "phone": "+7 916 123-45-67",
        "email": "maria.ivanova@mail.ru",
        "reply_method": "email",
        "received_at": timezone.make_aware(dt.datetime(2026, 3, 2, 10, 15)),
        "registered_at": timezone.make_aware(dt.datetime(2026, 3, 3, 9, 0)),
    }
    defaults.update(fields)
    return Appeal.objects.create(**defaults)


@pytest.fixture
def appeal(db) -> Appeal:
    return make_appeal()


@pytest.fixture
def postal_appeal(db) -> Appeal:
    return make_appeal(number="ОГ-2026-000043", sequence=43, reply_method="post")


def external_body(email: str = "info@minobrnauki.gov.ru") -> SimpleNamespace:
    return SimpleNamespace(
        name="Министерство науки и высшего образования Российской Федерации",
        postal_address="125009, г. Москва, ул. Тверская, д. 11, стр. 1",
        email=email,
    )


def full_context(appeal: Appeal, **extra: Any) -> dict[str, Any]:
    """Every variable any kind uses, as a caller would pass them."""
    context = {
        "institution": Institution.get_current(),
        "body": external_body(),
        "bodies": [external_body()],
        "due_date": dt.date(2026, 4, 2),
        "reason": "необходимость запросить документы в другом органе",
        "published_url": "https://www.linguanet.ru/answers/perevod/",
        "answer_text": ANSWER_TEXT,
        "signer_name": "И. И. Петров",
        "signer_position": "Проректор по учебной работе",
        "outgoing_number": "01-12/345",
        "outgoing_date": dt.date(2026, 3, 10),
        "portal_url": "https://priem.linguanet.ru",
        "status_url": "https://priem.linguanet.ru/status/",
        "executor": "Исп. Сидорова А. А., +7 499 245-30-02",
    }
    context.update(extra)
    return letter_context(appeal, context)
