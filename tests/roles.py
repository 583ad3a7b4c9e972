"""One user per staff role, two departments, and appeals brought to any state through the services.

Use the `roles` fixture (import it into the test module):

    from tests import roles as role_fixtures
    roles = role_fixtures.roles

roles.registrar, roles.executor_a (department A), roles.executor_b
(department B), roles.head, roles.clerk, roles.administrator and
roles.outsider (staff with no group) are logged-in-able users;
roles.department_a / department_b their departments; roles.appeal(state)
makes an appeal and takes it to that state through services.handling.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.rights import must_have_second_factor
from appeals import tokens
from appeals.models import Appeal, Department
from appeals.services import handling, terms
from appeals.services.intake import format_number, next_sequence
from classifiers.models import ExternalBody, Topic
from tests.factories import offered_topic

# The states an appeal can be brought to, in the order of its life.
STATES = ("received", "registered", "in_work", "drafted", "on_approval", "answered")


def make_user(username: str, *groups: str, **fields: Any) -> User:
    # No password: tests log in with force_login, and hashing one costs half a second.
    user = User.objects.create_user(username, password=None, is_staff=True, **fields)
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    second_factor(user)
    return user


def second_factor(user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device; one is made for a user who must have it (the head, the administrator)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and must_have_second_factor(user):
        device = TOTPDevice.objects.create(user=user, name="Тестовое приложение", confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the user's app shows now (or at Unix time `at`), computed from the device's key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def make_appeal(*, received_at: datetime | None = None, topic: Topic | None = None, **fields: Any) -> Appeal:
    """A received appeal with valid fields, as receive_appeal stores one (no draft, no mail)."""
    topic = topic or offered_topic()
    received_at = received_at or timezone.now()
    values: dict[str, Any] = {
        "last_name": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
        "address": "г. Москва, ул. Остоженка, д. 1, кв. 2", "postal_index": "119034",
        "phone": "+79161234567", "email": "maria.ivanova@mail.ru", "reply_method": "email",
        "kind": "primary", "text": "Прошу разъяснить порядок перевода на бюджетное место.",
        "identification_method": "email", "identified_as": "maria.ivanova@mail.ru",
        **fields,
    }
    with transaction.atomic():
        year = timezone.localdate(received_at).year
        sequence = next_sequence(year)
        appeal = Appeal(
            number=format_number(year, sequence), year=year, sequence=sequence, received_at=received_at,
            topic=topic, topic_code=topic.code, topic_title=topic.title, consent_at=received_at,
            access_code_hash=tokens.hash_secret(tokens.new_access_code()), **values,
        )
        terms.refresh_terms(appeal)
        appeal.save(force_insert=True)
    return appeal


def external_body(name: str = "Министерство науки и высшего образования Российской Федерации",
                  **fields: Any) -> ExternalBody:
    fields.setdefault("email", "info@minobrnauki.gov.ru")
    return ExternalBody.objects.get_or_create(name=name, defaults=fields)[0]


@dataclass
class Roles:
    registrar: User
    executor_a: User
    executor_b: User
    head: User
    clerk: User
    administrator: User
    outsider: User
    department_a: Department
    department_b: Department

    def all(self) -> dict[str, User]:
        return {name: getattr(self, name) for name in (
            "registrar", "executor_a", "executor_b", "head", "clerk", "administrator", "outsider",
        )}

    def appeal(self, state: str = "received", *, department: Department | None = None, **fields: Any) -> Appeal:
        """Make an appeal and take it to `state` through the services (department A by default)."""
        appeal = make_appeal(**fields)
        return bring_to(appeal, state, self, department=department)


def bring_to(appeal: Appeal, state: str, roles: Roles, *, department: Department | None = None) -> Appeal:
    """Take the appeal through the officials' steps until it reaches `state` (one of STATES)."""
    target = STATES.index(state)
    department = department or roles.department_a
    executor = roles.executor_a if department == roles.department_a else roles.executor_b
    # The services queue their letters on commit, as a request would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        if target >= STATES.index("registered"):
            handling.register_appeal(appeal, roles.registrar)
        if target >= STATES.index("in_work"):
            handling.assign_appeal(appeal, roles.registrar, department=department, executor=executor)
        if target >= STATES.index("drafted"):
            handling.save_answer_draft(appeal, executor, text="Сообщаем, что перевод возможен при наличии мест.")
        if target >= STATES.index("on_approval"):
            handling.submit_answer(appeal, executor)
        if target >= STATES.index("answered"):
            answer_results = {q.pk: ("explained", False) for q in appeal.questions.all()}
            handling.sign_answer(appeal, roles.head, signer_position="Проректор", results=answer_results)
    appeal.refresh_from_db()
    return appeal


def age(appeal: Appeal, days: int) -> Appeal:
    """Move every date of the appeal `days` into the past (for due dates in the past) and recompute terms."""
    shift = timedelta(days=days)
    appeal.received_at -= shift
    if appeal.registered_at:
        appeal.registered_at -= shift
    if appeal.decided_at:
        appeal.decided_at -= shift
    terms.refresh_terms(appeal)
    appeal.save()
    return appeal


@pytest.fixture
def roles(db: Any) -> Iterator[Roles]:
    department_a = Department.objects.create(name="Учебное управление", short_name="УУ")
    department_b = Department.objects.create(name="Управление кадров", short_name="УК")
    executor_a = make_user("executor_a", "Исполнитель", first_name="Анна", last_name="Смирнова")
    executor_b = make_user("executor_b", "Исполнитель", first_name="Борис", last_name="Кузнецов")
    department_a.members.add(executor_a)
    department_b.members.add(executor_b)
    yield Roles(
        registrar=make_user("registrar", "Регистратор", first_name="Ольга", last_name="Регистрова"),
        executor_a=executor_a,
        executor_b=executor_b,
        head=make_user("head", "Руководитель", first_name="Пётр", last_name="Начальников"),
        clerk=make_user("clerk", "Экспедитор"),
        administrator=make_user("administrator", "Администратор"),
        outsider=make_user("outsider"),
        department_a=department_a,
        department_b=department_b,
    )
