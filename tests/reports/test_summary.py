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
from reports.models import AppealTally, QuestionTally, SatisfactionTally, WeekTally
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


SATISFACTION_FIELDS = ("month", "department_id", "executor_id", "topic_code", "channel", "kind", "status",
                       "resolved", "mark")


def raw_satisfaction() -> Counter:
    """The satisfaction requests grouped as SatisfactionTally (month asked), by the database from the requests."""
    from feedback.models import SatisfactionRequest

    rows = (SatisfactionRequest.objects.annotate(m=TruncMonth("asked_at"))
            .values("m", "appeal__department_id", "appeal__executor_id", "appeal__topic_code", "appeal__channel",
                    "appeal__kind", "status", "resolved", "mark").annotate(n=Count("pk")).order_by())
    return Counter({(r["m"].date(), r["appeal__department_id"], r["appeal__executor_id"], r["appeal__topic_code"],
                     r["appeal__channel"], r["appeal__kind"], r["status"], r["resolved"], r["mark"]): r["n"]
                    for r in rows})


def assert_summary_is_raw() -> None:
    assert tallies(WeekTally, ("week", "department_id", "executor_id", "topic_code", "channel", "kind")) == raw_weeks()
    assert tallies(AppealTally, APPEAL_FIELDS) == raw_appeals()
    assert tallies(QuestionTally, QUESTION_FIELDS) == raw_questions()
    assert tallies(SatisfactionTally, SATISFACTION_FIELDS) == raw_satisfaction()


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

    # The citizen's side, through the feedback services (no history entry for asking or expiring).
    def ask(self) -> None:
        from feedback import services
        from feedback.models import SatisfactionKey

        keys = list(SatisfactionKey.objects.filter(asked_at__isnull=True).order_by("pk"))
        if keys:
            services.request_for_key(self.rng.choice(keys))

    def reply(self) -> None:
        from feedback import services
        from feedback.models import SatisfactionRequest

        requests = list(SatisfactionRequest.objects.filter(status="asked").order_by("pk"))
        if requests:
            services.answer_request(self.rng.choice(requests), resolved=self.rng.choice(["yes", "partly", "no"]),
                                    mark=self.rng.choice([None, 1, 3, 5]))

    def detail(self) -> None:
        from feedback import services
        from feedback.models import SatisfactionRequest

        requests = list(SatisfactionRequest.objects.filter(status="answered", mark__isnull=True).order_by("pk"))
        if requests:
            services.add_details(self.rng.choice(requests), mark=self.rng.randint(1, 5))

    def expire(self) -> None:
        from feedback import services

        services.expire_requests()

    def wait(self) -> None:
        self.time_machine.shift(self.rng.choice([3600, 86400, 5 * 86400, 20 * 86400]))

    def run(self, count: int, names: list[str] | None = None) -> list[str]:
        names = names or ["receive", "receive", "register", "assign", "extend", "redirect", "withdraw", "answer",
                          "sign", "sign", "wait", "wait", "answer", "sign", "ask", "ask", "reply", "reply", "detail",
                          "expire"]
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
    done = steps.run(160)
    assert {"receive", "register", "sign", "ask", "reply"} <= set(done), done
    from feedback.models import SatisfactionRequest

    # The sequence reached every state of a request the tally counts.
    assert SatisfactionRequest.objects.exists(), done
    assert_summary_is_raw()
    # The rebuild from scratch gives the same tallies as the steps kept.
    kept = (tallies(AppealTally, APPEAL_FIELDS), tallies(QuestionTally, QUESTION_FIELDS),
            tallies(SatisfactionTally, SATISFACTION_FIELDS))
    summary.rebuild(chunk=7)
    assert (tallies(AppealTally, APPEAL_FIELDS), tallies(QuestionTally, QUESTION_FIELDS),
            tallies(SatisfactionTally, SATISFACTION_FIELDS)) == kept


SATISFACTION_STEPS = ["receive", "receive", "register", "register", "assign", "assign", "answer", "answer", "sign",
                      "sign", "ask", "ask", "reply", "detail", "expire", "wait", "wait"]


@pytest.mark.parametrize("seed, few_keys", [(4, summary.FEW_KEYS), (5, summary.FEW_KEYS), (6, 0)])
def test_the_satisfaction_tally_equals_the_raw_requests_after_random_steps(roles, time_machine, seed, few_keys,
                                                                          monkeypatch):
    """Requests asked, answered, detailed and expired by the feedback services, appeals moving meanwhile.

    few_keys=0: every move takes the set-wise path of summary._apply (the months' rows read at once), which
    the steps' few keys otherwise leave to the batches."""
    from feedback.models import SatisfactionRequest

    monkeypatch.setattr(summary, "FEW_KEYS", few_keys)

    time_machine.move_to("2026-01-28 10:00:00+03:00")
    steps = Steps(roles, random.Random(seed), time_machine)
    done = steps.run(250, SATISFACTION_STEPS)
    assert {"ask", "reply", "expire"} <= set(done), done
    assert {"answered", "expired"} <= set(SatisfactionRequest.objects.values_list("status", flat=True))
    assert len({asked.month for asked in SatisfactionRequest.objects.values_list("asked_at", flat=True)}) > 1
    assert_summary_is_raw()
    kept = tallies(SatisfactionTally, SATISFACTION_FIELDS)
    summary.rebuild(chunk=5)
    assert tallies(SatisfactionTally, SATISFACTION_FIELDS) == kept


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


def test_a_calendar_change_re_tallies_exactly_the_appeals_whose_terms_moved(roles, time_machine):
    """A day off moves due dates of open appeals; the tallies of the terms kept follow without a rebuild."""
    import datetime as dt

    from appeals.signals import terms_moved
    from classifiers.models import CalendarDay
    from reports.models import TERM_KEPT, TERM_MISSED, AppealShare

    time_machine.move_to("2026-07-06 10:00:00+03:00")  # a Monday
    # «registered»: registered on the last day of its registration term; «decided»: assigned (the 7-day
    # decision) on the last day of that term; «other»: received in June, all of its terms well clear.
    appeals = {name: make_appeal() for name in ("registered", "decided")}
    time_machine.move_to("2026-06-01 10:00:00+03:00")
    appeals["other"] = make_appeal()
    for appeal in appeals.values():
        handling.record(appeal, "appeal.received", actor_label="заявитель")
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(appeals["other"], roles.registrar)
        handling.assign_appeal(appeals["other"], roles.registrar, department=roles.department_a,
                               executor=roles.executor_a)
        time_machine.move_to("2026-07-06 10:30:00+03:00")
        handling.register_appeal(appeals["decided"], roles.registrar)
    appeals["registered"].refresh_from_db()
    registration_day = appeals["registered"].registration_due
    time_machine.move_to(dt.datetime.combine(registration_day, dt.time(12), dt.timezone(dt.timedelta(hours=3))))
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.register_appeal(appeals["registered"], roles.registrar)
    appeals["decided"].refresh_from_db()
    decision_day = appeals["decided"].decision_due
    time_machine.move_to(dt.datetime.combine(decision_day, dt.time(12), dt.timezone(dt.timedelta(hours=3))))
    with TestCase.captureOnCommitCallbacks(execute=True):
        handling.assign_appeal(appeals["decided"], roles.registrar, department=roles.department_a,
                               executor=roles.executor_a)
    assert_summary_is_raw()
    keys = {name: AppealShare.objects.get(appeal=appeal).appeal_key for name, appeal in appeals.items()}
    assert keys["registered"]["registered"] == TERM_KEPT and keys["decided"]["decided"] == TERM_KEPT

    told: list[int] = []

    def listen(sender, *, appeal_ids, **kwargs):
        told.extend(appeal_ids)

    terms_moved.connect(listen, dispatch_uid="test.terms_moved")
    try:
        # Each last day becomes a day off: the term ends on the working day before, and was missed.
        for day in (registration_day, decision_day):
            with TestCase.captureOnCommitCallbacks(execute=True):
                CalendarDay.objects.create(date=day, is_working=False, note="Перенос выходного дня")
    finally:
        terms_moved.disconnect(dispatch_uid="test.terms_moved")
    assert set(told) == {appeals["registered"].pk, appeals["decided"].pk}  # «other» kept its terms
    shares = {name: AppealShare.objects.get(appeal=appeal).appeal_key for name, appeal in appeals.items()}
    assert shares["registered"]["registered"] == TERM_MISSED and shares["decided"]["decided"] == TERM_MISSED
    assert shares["other"] == keys["other"]
    assert_summary_is_raw()  # no rebuild in between
