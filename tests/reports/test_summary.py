"""The summary tallies equal the raw aggregates over the appeals after any sequence of steps (property-style)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from django.db.models import Count, Q
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.test import TestCase

from appeals.models import Appeal, AppealQuestion
from appeals.services import handling, worklists
from classifiers.models import Topic
from reports import summary
from reports.models import AppealTally, QuestionTally, WeekTally
from tests.roles import Roles, external_body, make_appeal
from tests.roles import roles as roles  # the fixture

pytestmark = pytest.mark.django_db


def tallies(model: Any, fields: tuple[str, ...]) -> Counter:
    counts: Counter = Counter()
    for row in model.objects.values(*fields, "count"):
        if row["count"]:
            counts[tuple(row[f] for f in fields)] += row["count"]
    return counts


def raw_appeals() -> Counter:
    """Appeals grouped as AppealTally, computed by the database from the appeals alone."""
    term = worklists.TIMELINESS
    rows = (Appeal.objects.annotate(
        m=TruncMonth("received_at"),
        reg=Count("pk", filter=term["registered_on_time"]), reg_late=Count("pk", filter=term["registered_late"]),
        dec=Count("pk", filter=term["decided_on_time"]), dec_late=Count("pk", filter=term["decided_late"]),
        ans=Count("pk", filter=term["answered_on_time"]), ans_late=Count("pk", filter=term["answered_late"]),
        span=TruncDate("closed_at") - TruncDate(Coalesce("registered_at", "received_at")),
    ).values("pk", "m", "department_id", "executor_id", "topic_code", "channel", "kind", "status", "reg",
             "reg_late", "dec", "dec_late", "ans", "ans_late", "extension_days", "span"))
    counts: Counter = Counter()
    for r in rows:
        days = r["span"].days if r["status"] == "answered" and r["span"] is not None else -1
        counts[(r["m"].date(), r["department_id"], r["executor_id"], r["topic_code"], r["channel"], r["kind"],
                r["status"], 1 if r["reg"] else 2 if r["reg_late"] else 0, 1 if r["dec"] else 2 if r["dec_late"] else 0,
                1 if r["ans"] else 2 if r["ans_late"] else 0, r["extension_days"] > 0, days)] += 1
    return counts


APPEAL_FIELDS = ("month", "department_id", "executor_id", "topic_code", "channel", "kind", "status", "registered",
                 "decided", "answered", "extended", "days")
QUESTION_FIELDS = ("month", "department_id", "executor_id", "channel", "kind", "topic_code", "result",
                   "measures_taken", "cause_id")


def raw_questions() -> Counter:
    rows = (AppealQuestion.objects.annotate(m=TruncMonth("appeal__received_at"))
            .values("m", "appeal__department_id", "appeal__executor_id", "appeal__channel", "appeal__kind",
                    "topic_code", "result", "measures_taken", "cause_id").annotate(n=Count("pk")).order_by())
    return Counter({(r["m"].date(), r["appeal__department_id"], r["appeal__executor_id"], r["appeal__channel"],
                     r["appeal__kind"], r["topic_code"], r["result"], r["measures_taken"], r["cause_id"]): r["n"]
                    for r in rows})


def raw_weeks() -> Counter:
    rows = (Appeal.objects.annotate(w=TruncWeek("received_at")).values("w", "department_id", "executor_id",
                                                                      "topic_code", "channel", "kind")
            .annotate(n=Count("pk")).order_by())
    return Counter({(r["w"].date(), r["department_id"], r["executor_id"], r["topic_code"], r["channel"],
                     r["kind"]): r["n"] for r in rows})


def assert_summary_is_raw() -> None:
    assert tallies(WeekTally, ("week", "department_id", "executor_id", "topic_code", "channel", "kind")) == raw_weeks()
    assert tallies(AppealTally, APPEAL_FIELDS) == raw_appeals()
    assert tallies(QuestionTally, QUESTION_FIELDS) == raw_questions()


class Steps:
    """Each step picks an appeal the step applies to and runs the service; a refused step is skipped."""

    def __init__(self, roles: Roles, rng: random.Random, time_machine: Any) -> None:
        self.roles, self.rng, self.time_machine = roles, rng, time_machine
        self.topics = list(Topic.objects.offered()[:3])

    def pick(self, *statuses: str) -> Appeal | None:
        appeals = list(Appeal.objects.filter(status__in=statuses).order_by("pk"))
        return self.rng.choice(appeals) if appeals else None

    def receive(self) -> None:
        appeal = make_appeal(topic=self.rng.choice(self.topics), kind=self.rng.choice(["primary", "repeated"]),
                             channel=self.rng.choice(["site", "post", "personal"]))
        handling.record(appeal, "appeal.received", actor_label="заявитель")

    def register(self) -> None:
        if appeal := self.pick("received"):
            extra = self.rng.sample(self.topics, self.rng.randint(0, 2))
            handling.register_appeal(appeal, self.roles.registrar, questions=extra)

    def assign(self) -> None:
        if appeal := self.pick("registered", "in_work"):
            department = self.rng.choice([self.roles.department_a, self.roles.department_b])
            executor = self.roles.executor_a if department == self.roles.department_a else self.roles.executor_b
            handling.assign_appeal(appeal, self.roles.registrar, department=department, executor=executor)

    def extend(self) -> None:
        if appeal := self.pick("in_work", "registered"):
            handling.extend_term(appeal, self.roles.head, days=self.rng.randint(1, 30), reason="Запрос в орган.")

    def redirect(self) -> None:
        if appeal := self.pick("registered"):
            handling.redirect_appeal(appeal, self.roles.registrar, body=external_body())

    def withdraw(self) -> None:
        if appeal := self.pick("received", "registered", "in_work"):
            handling.withdraw_appeal(appeal, user=self.roles.registrar, comment="Отозвано.")

    def answer(self) -> None:
        if appeal := self.pick("in_work"):
            executor = appeal.executor
            handling.save_answer_draft(appeal, executor, text="Ответ по существу.")
            handling.submit_answer(appeal, executor)

    def sign(self) -> None:
        if appeal := self.pick("on_approval"):
            results = {}
            for question in appeal.questions.all():
                result = self.rng.choice(["supported", "explained", "not_supported", "answered"])
                results[question.pk] = (result, result == "supported" and self.rng.random() < 0.5)
            handling.sign_answer(appeal, self.roles.head, signer_position="Проректор", results=results)

    def wait(self) -> None:
        self.time_machine.shift(self.rng.choice([3600, 86400, 5 * 86400, 20 * 86400]))

    def run(self, count: int) -> list[str]:
        names = ["receive", "receive", "register", "assign", "extend", "redirect", "withdraw", "answer", "sign",
                 "sign", "wait", "wait"]
        done = []
        for _ in range(count):
            name = self.rng.choice(names)
            try:
                with TestCase.captureOnCommitCallbacks(execute=True):
                    getattr(self, name)()
            except handling.AppealError:
                continue  # a step the law refuses in that state: nothing was written
            done.append(name)
        return done


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summary_equals_the_raw_aggregate_after_random_steps(roles, time_machine, seed):
    time_machine.move_to("2026-01-28 10:00:00+03:00")
    steps = Steps(roles, random.Random(seed), time_machine)
    done = steps.run(70)
    assert {"receive", "register", "sign"} <= set(done), done
    assert_summary_is_raw()
    # The rebuild from scratch gives the same tallies as the steps kept.
    kept = tallies(AppealTally, APPEAL_FIELDS), tallies(QuestionTally, QUESTION_FIELDS)
    summary.rebuild(chunk=7)
    assert (tallies(AppealTally, APPEAL_FIELDS), tallies(QuestionTally, QUESTION_FIELDS)) == kept


def test_the_summary_follows_a_reassignment(roles):
    appeal = make_appeal()
    handling.record(appeal, "appeal.received", actor_label="заявитель")
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(appeal, roles.registrar)
        handling.assign_appeal(appeal, roles.registrar, department=roles.department_a, executor=roles.executor_a)
        handling.assign_appeal(appeal, roles.registrar, department=roles.department_b, executor=roles.executor_b)
    rows = list(AppealTally.objects.filter(~Q(count=0)).values("department_id", "count"))
    assert rows == [{"department_id": roles.department_b.pk, "count": 1}]
    assert QuestionTally.objects.filter(department_id=roles.department_a.pk).exclude(count=0).count() == 0
    assert_summary_is_raw()


def test_the_rebuild_command_recounts_what_bulk_loads_left_out(roles):
    from django.core.management import call_command

    for _ in range(3):
        make_appeal()  # as generate_appeals does: rows written without the services' history
    assert not AppealTally.objects.exists()
    call_command("rebuild_report_summary", stdout=open("/dev/null", "w"))
    assert_summary_is_raw()
    assert sum(AppealTally.objects.values_list("count", flat=True)) == 3
