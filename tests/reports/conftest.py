"""A hand-counted world: eight appeals on a known calendar (February 2026), brought to their states by the services.

    appeal  dept  kind      channel   questions (ССТУ result)                       registered  answered
    a1      A     primary   site      t1 supported + measures, t2 explained        02.02       06.02 (4 days)
    a2      A     primary   site      t1 not supported                             10.02 late  20.03 (38 days, late)
    a3      —     primary   post      t2 redirected                                02.02       —
    a4      —     repeated  site      t1 no answer (withdrawn)                     02.02       —
    a5      B     multiple  personal  t1 in progress, term extended                02.02       —
    a6      A     primary   site      t2 in progress                               02.02       —
    a7      A     primary   site      t1 answered to the author                    02.02       03.02 (1 day)
    a8      —     primary   epgu      none (not registered)                        —           —

Satisfaction: a1 «да», mark 5; a2 «нет», mark 2; a7 expired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import TestCase

from appeals.models import Appeal
from appeals.services import handling
from classifiers.models import Topic
from tests.roles import Roles, external_body, make_appeal
from tests.roles import roles as roles  # the fixture

MSK = dt.timezone(dt.timedelta(hours=3))


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=MSK)


@dataclass
class World:
    roles: Roles
    t1: Topic
    t2: Topic
    appeals: dict[str, Appeal]


def work(appeal: Appeal, roles: Roles, department=None, questions=(), submit: bool = True) -> Appeal:
    department = department or roles.department_a
    executor = roles.executor_a if department == roles.department_a else roles.executor_b
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(appeal, roles.registrar, questions=questions)
        handling.assign_appeal(appeal, roles.registrar, department=department, executor=executor)
        if submit:
            handling.save_answer_draft(appeal, executor, text="Сообщаем, что вопрос рассмотрен.")
            handling.submit_answer(appeal, executor)
    appeal.refresh_from_db()
    return appeal


def sign(appeal: Appeal, roles: Roles, results: dict[str, tuple[str, bool]]) -> Appeal:
    by_code = {q.topic_code: q.pk for q in appeal.questions.all()}
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.sign_answer(appeal, roles.head, signer_position="Проректор",
                             results={by_code[code]: value for code, value in results.items()})
    appeal.refresh_from_db()
    return appeal


def build_world(roles: Roles, time_machine: Any) -> World:
    t1, t2 = list(Topic.objects.offered()[:2])
    time_machine.move_to(at("2026-02-02"))
    received = at("2026-02-02", 9)
    make = dict(received_at=received, topic=t1)
    a = {
        "a1": make_appeal(**make), "a2": make_appeal(**make),
        "a3": make_appeal(received_at=received, topic=t2, channel="post", reply_method="post"),
        "a4": make_appeal(**make, kind="repeated"),
        "a5": make_appeal(**make, kind="multiple", channel="personal"),
        "a6": make_appeal(received_at=received, topic=t2), "a7": make_appeal(**make),
        "a8": make_appeal(**make, channel="epgu"),
    }
    for appeal in a.values():
        # As intake.receive_appeal and handling.enter_appeal do: receipt is the first step of the history.
        handling.record(appeal, "appeal.received", actor_label="заявитель")
    work(a["a1"], roles, questions=[t2])
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(a["a3"], roles.registrar)
        handling.redirect_appeal(a["a3"], roles.registrar, body=external_body())
        handling.register_appeal(a["a4"], roles.registrar)
        handling.withdraw_appeal(a["a4"], user=roles.registrar, comment="Заявитель отозвал обращение.")
    work(a["a5"], roles, department=roles.department_b, submit=False)
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.extend_term(a["a5"], roles.head, days=30, reason="Нужны сведения другого органа.")
    work(a["a6"], roles, submit=False)
    work(a["a7"], roles)
    time_machine.move_to(at("2026-02-03"))
    sign(a["a7"], roles, {t1.code: ("answered", False)})
    time_machine.move_to(at("2026-02-06"))
    sign(a["a1"], roles, {t1.code: ("supported", True), t2.code: ("explained", False)})
    time_machine.move_to(at("2026-02-10"))
    work(a["a2"], roles)
    time_machine.move_to(at("2026-03-20"))
    sign(a["a2"], roles, {t1.code: ("not_supported", False)})
    _satisfaction(a)
    for appeal in a.values():
        appeal.refresh_from_db()
    return World(roles, t1, t2, a)


def _satisfaction(a: dict[str, Appeal]) -> None:
    """Through the feedback services, as the citizens would: a1 and a7 asked in February, a2 in March."""
    from feedback import services

    def ask(name: str, day: str):
        return services.request_for_key(a[name].satisfaction_key, now=at(day))

    one, seven = ask("a1", "2026-02-07"), ask("a7", "2026-02-04")
    services.answer_request(one, resolved="yes", mark=5, now=at("2026-02-08"))
    services.expire_requests(now=at("2026-02-04") + dt.timedelta(days=60))
    two = ask("a2", "2026-03-21")
    services.answer_request(two, resolved="no", mark=2, comment="Вопрос не решён.", now=at("2026-03-22"))
    seven.refresh_from_db()
    assert seven.status == "expired"


@pytest.fixture
def world(roles: Roles, time_machine: Any) -> World:
    return build_world(roles, time_machine)
