"""Reminders of due dates to the officials and the heads' daily digest of overdue appeals (issue #4 item 7)."""

from __future__ import annotations

import itertools
import logging
import threading
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from appeals import reminders, tasks
from appeals.models import Appeal, Department, Reminder
from appeals.services.intake import format_number
from outbox.models import OutgoingMessage
from tests.factories import offered_topic

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
TODAY = date(2026, 5, 12)  # a Tuesday
_sequence = itertools.count(1)


# --- builders (shared with test_dashboard) --------------------------------

def make_appeal(**fields: Any) -> Appeal:
    """An open, registered appeal in work; the caller sets the due dates and who works it."""
    sequence = next(_sequence)
    topic = offered_topic()
    received = timezone.now() - timedelta(days=10)
    values: dict[str, Any] = {
        "number": format_number(2026, sequence), "year": 2026, "sequence": sequence,
        "status": Appeal.Status.IN_WORK, "received_at": received, "registered_at": received + timedelta(days=1),
        "decided_at": received + timedelta(days=2),
        "last_name": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
        "address": "г. Москва, ул. Остоженка, д. 1", "postal_index": "119034", "phone": "+7 916 123-45-67",
        "email": "maria@mail.ru", "reply_method": "email", "kind": "primary", "text": "Суть обращения.",
        "topic": topic, "topic_code": topic.code, "topic_title": topic.title,
        "identification_method": "email", "identified_as": "maria@mail.ru", "access_code_hash": "x",
    }
    values.update(fields)
    return Appeal.objects.create(**values)


def make_staff(username: str, *groups: str, email: str | None = None, departments=(), **fields: Any) -> User:
    user = User.objects.create_user(
        username, email=f"{username}@example.ru" if email is None else email, password="x", is_staff=True,
        last_name=username.capitalize(), **fields,
    )
    user.groups.add(*Group.objects.filter(name__in=groups))
    for department in departments:
        department.members.add(user)
    return user


@pytest.fixture(autouse=True)
def frozen(time_machine) -> None:
    time_machine.move_to(datetime(TODAY.year, TODAY.month, TODAY.day, 8, 0, tzinfo=MSK), tick=False)


@pytest.fixture
def department() -> Department:
    return Department.objects.create(name="Учебный отдел")


@pytest.fixture
def executor(department) -> User:
    return make_staff("petrov", "Исполнитель", departments=[department])


@pytest.fixture
def registrar() -> User:
    return make_staff("registrar", "Регистратор")


@pytest.fixture
def head() -> User:
    return make_staff("head", "Руководитель")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a job as the worker would: its e-mails are delivered once the transaction commits."""

    def send(job=reminders.send_due_reminders, today: date = TODAY) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return job(today=today)

    return send


def sent_to(user: User) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [user.email]]


# --- reminders before and after the due date --------------------------------

@pytest.mark.parametrize(("days", "expected"), [(4, 0), (3, 1), (2, 0)])
def test_reminder_goes_three_days_before_the_due_date(send, executor, department, days, expected):
    appeal = make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=days))
    assert send() == expected
    assert len(mail.outbox) == expected
    if expected:
        message = mail.outbox[0]
        assert message.to == [executor.email]
        assert appeal.number in message.subject
        assert "15 мая 2026" in message.subject
        assert f"/admin/appeals/appeal/{appeal.pk}/change/" in message.body
        assert "ответ по существу" in message.body
        assert Reminder.objects.get().kind == Reminder.Kind.BEFORE


def test_missed_reminder_goes_the_day_after_once(send, executor, department):
    appeal = make_appeal(executor=executor, department=department, next_due=TODAY - timedelta(days=1))
    assert send() == 1
    [message] = mail.outbox
    assert "Пропущен срок" in message.subject and appeal.number in message.subject
    assert "Просрочено, дней: 1" in message.body
    assert send(today=TODAY + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_run_twice_sends_nothing_more(send, executor, department):
    make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=3))
    make_appeal(executor=executor, department=department, next_due=TODAY - timedelta(days=1))
    assert send() == 2
    assert send() == 0
    assert len(mail.outbox) == 2
    assert OutgoingMessage.objects.count() == 2


def test_the_task_run_twice_sends_each_letter_once(django_capture_on_commit_callbacks, executor, department, head):
    make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=3))
    make_appeal(executor=executor, department=department, next_due=TODAY - timedelta(days=2))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_reminders.delay()
    # Two reminders to the executor, one digest to the head.
    assert sorted(message.to[0] for message in mail.outbox) == [head.email, executor.email, executor.email]


def test_a_lost_claim_race_sends_nothing(send, executor, department):
    """A concurrent run inserted the reminder after this run read the batch: the insert loses, no letter."""
    appeal = make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=3))
    recipients = reminders.Recipients()
    recipients.load_executors([appeal])
    Reminder.objects.create(appeal=appeal, kind=Reminder.Kind.BEFORE, due=appeal.next_due, recipient=executor)
    with transaction.atomic():
        sent = reminders._queue_batch(Reminder.Kind.BEFORE, [appeal], recipients, TODAY, {})
    assert sent == 0
    assert not OutgoingMessage.objects.exists()


def test_closed_appeals_are_never_reminded(send, executor, department):
    closed = {"closed_at": timezone.now(), "status": Appeal.Status.ANSWERED}
    make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=3), **closed)
    make_appeal(executor=executor, department=department, next_due=TODAY - timedelta(days=1), **closed)
    assert send() == 0
    assert mail.outbox == []


def test_an_extension_is_a_new_due_date_reminded_again(send, executor, department):
    first_due = TODAY + timedelta(days=3)
    appeal = make_appeal(executor=executor, department=department, next_due=first_due)
    assert send() == 1
    # Extended by 30 days before the term ran out: no "missed" letter for the old date.
    Appeal.objects.filter(pk=appeal.pk).update(next_due=first_due + timedelta(days=30), extension_days=30)
    assert send(today=first_due + timedelta(days=1)) == 0
    assert send(today=first_due + timedelta(days=27)) == 1
    assert [reminder.due for reminder in Reminder.objects.order_by("due")] == [first_due, first_due + timedelta(30)]
    assert len(mail.outbox) == 2


def test_a_department_without_executor_reminds_its_drafting_members(send, department, executor):
    other = make_staff("sidorov", "Исполнитель", departments=[department])
    make_staff("clerk", departments=[department])  # a member who drafts no answers
    make_staff("gone", "Исполнитель", departments=[department], is_active=False)
    make_staff("elsewhere", "Исполнитель", departments=[Department.objects.create(name="Другой отдел")])
    make_appeal(department=department, next_due=TODAY + timedelta(days=3))
    assert send() == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([executor.email, other.email])


def test_registrars_are_reminded_of_unassigned_appeals(send, registrar, executor, head):
    second = make_staff("registrar2", "Регистратор")
    received = timezone.now()
    appeal = make_appeal(
        status=Appeal.Status.RECEIVED, received_at=received, registered_at=None, decided_at=None,
        next_due=TODAY + timedelta(days=1),  # the registration term: reminded the day before
    )
    # Not 3 days before: the registration term is only 3 days long.
    make_appeal(
        status=Appeal.Status.RECEIVED, received_at=received, registered_at=None, decided_at=None,
        next_due=TODAY + timedelta(days=3),
    )
    undecided = make_appeal(
        status=Appeal.Status.REGISTERED, decided_at=None,
        decision_due=TODAY - timedelta(days=1), next_due=TODAY - timedelta(days=1),
    )
    assert send() == 4
    assert sent_to(executor) == [] and sent_to(head) == []
    for user in (registrar, second):
        due, missed = sorted(sent_to(user), key=lambda message: message.subject)
        assert appeal.number in due.subject and "регистрация обращения" in due.body
        assert undecided.number in missed.subject and "решение по 7-дневному сроку" in missed.body


def test_staff_without_an_address_are_skipped_with_a_log_line(send, department, caplog):
    nameless = make_staff("noaddress", "Исполнитель", email="", departments=[department])
    make_appeal(executor=nameless, department=department, next_due=TODAY + timedelta(days=3))
    with caplog.at_level(logging.WARNING, logger="appeals.reminders"):
        assert send() == 0
    assert f"no e-mail address user={nameless.pk}" in caplog.text
    assert not Reminder.objects.exists()


def test_a_deactivated_executor_leaves_the_reminder_to_the_department(send, department, executor):
    gone = make_staff("gone", "Исполнитель", departments=[department], is_active=False)
    make_appeal(executor=gone, department=department, next_due=TODAY + timedelta(days=3))
    assert send() == 1
    assert mail.outbox[0].to == [executor.email]


def test_a_rerun_costs_queries_per_batch_not_per_appeal(
    send, executor, department, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(reminders, "BATCH", 10)
    for _ in range(25):
        make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=3))
    assert send() == 25
    # Roles (3), departments, the institution; per batch of 10: appeals and
    # the reminders already sent, executors once; an empty batch ends each
    # of the two passes (before and missed). Each batch is its own
    # transaction: inside the test's, a savepoint and its release.
    with django_assert_max_num_queries(5 + 3 * 2 + 1 + 2 + 2 * (3 + 2)):
        assert send() == 0


# --- the heads' digest --------------------------------------------------------

def test_digest_lists_only_overdue_open_appeals_to_each_head(send, head, executor, department, registrar):
    second_head = make_staff("deputy", "Руководитель")
    late = make_appeal(executor=executor, department=department, next_due=TODAY - timedelta(days=4))
    unassigned = make_appeal(next_due=TODAY - timedelta(days=1))
    on_time = make_appeal(executor=executor, department=department, next_due=TODAY)
    closed = make_appeal(next_due=TODAY - timedelta(days=9), closed_at=timezone.now(), status=Appeal.Status.ANSWERED)
    assert send(reminders.send_overdue_digest) == 2
    assert sent_to(executor) == [] and sent_to(registrar) == []
    for user in (head, second_head):
        [message] = sent_to(user)
        assert "Просроченные обращения на 12 мая 2026: 2" in message.subject
        assert late.number in message.body and unassigned.number in message.body
        assert on_time.number not in message.body and closed.number not in message.body
        assert f"{late.number} | Учебный отдел | Petrov | {late.next_due:%d.%m.%Y} | 4" in message.body
        assert "?attention=overdue" in message.body
        html = message.alternatives[0][0]
        assert f"/admin/appeals/appeal/{late.pk}/change/" in html
    # The longest overdue first.
    assert mail.outbox[0].body.index(late.number) < mail.outbox[0].body.index(unassigned.number)


def test_digest_goes_once_a_day(send, head):
    make_appeal(next_due=TODAY - timedelta(days=1))
    assert send(reminders.send_overdue_digest) == 1
    assert send(reminders.send_overdue_digest) == 0
    assert len(sent_to(head)) == 1


def test_digest_goes_again_the_next_day(send, head, time_machine):
    make_appeal(next_due=TODAY - timedelta(days=1))
    assert send(reminders.send_overdue_digest) == 1
    time_machine.move_to(datetime(2026, 5, 13, 8, 0, tzinfo=MSK), tick=False)
    assert send(reminders.send_overdue_digest, today=date(2026, 5, 13)) == 1
    assert len(sent_to(head)) == 2


def test_no_digest_when_nothing_is_overdue(send, head):
    make_appeal(next_due=TODAY)
    assert send(reminders.send_overdue_digest) == 0
    assert mail.outbox == []


def test_digest_lists_at_most_the_limit_and_the_total(send, head, monkeypatch):
    monkeypatch.setattr(reminders, "DIGEST_LIMIT", 2)
    appeals = [make_appeal(next_due=TODAY - timedelta(days=days)) for days in (5, 4, 3)]
    assert send(reminders.send_overdue_digest) == 1
    [message] = mail.outbox
    assert ": 3" in message.subject
    assert appeals[0].number in message.body and appeals[1].number in message.body
    assert appeals[2].number not in message.body
    assert "и ещё 1" in message.body


def test_heads_without_an_address_are_skipped(send, caplog):
    nameless = make_staff("nameless", "Руководитель", email="")
    make_appeal(next_due=TODAY - timedelta(days=1))
    with caplog.at_level(logging.WARNING, logger="appeals.reminders"):
        assert send(reminders.send_overdue_digest) == 0
    assert f"no e-mail address user={nameless.pk}" in caplog.text


def test_a_superuser_is_nobodys_head(send):
    User.objects.create_superuser("root", "root@example.ru", "x")
    make_appeal(next_due=TODAY - timedelta(days=1))
    make_appeal(next_due=TODAY + timedelta(days=3))
    assert send(reminders.send_overdue_digest) == 0
    assert send() == 0


# --- schedule and concurrency ----------------------------------------------

def test_beat_runs_the_task_at_eight_moscow_time():
    entry = settings.CELERY_BEAT_SCHEDULE["appeals-send-reminders"]
    assert entry["task"] == tasks.send_reminders.name
    assert entry["schedule"] == crontab(hour=8, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/Moscow"
    assert tasks.send_reminders.acks_late


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_each_letter_once(require_postgres):
    department = Department.objects.create(name="Учебный отдел")
    executor = make_staff("petrov", "Исполнитель", departments=[department])
    head = make_staff("head", "Руководитель")
    for days in (3, -1, -2):
        make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=days))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            reminders.send_due_reminders(today=TODAY)
            reminders.send_overdue_digest(today=TODAY)
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert OutgoingMessage.objects.filter(to=executor.email).count() == 3
    assert OutgoingMessage.objects.filter(to=head.email, kind=reminders.DIGEST_KIND).count() == 1


# --- issue 13: the sweep finds and queues, the delivery renders --------------------------

def _old_letter(appeal: Appeal, kind: str, user: User, term: str, department: Department | None,
                executor: User | None) -> Any:
    """The letter as the sweep rendered it before issue 13: the same templates, the same context of objects."""
    from classifiers.models import Institution
    from outbox.services import render_email

    def name(person: User | None) -> str:
        return "" if person is None else (" ".join(p for p in (person.last_name, person.first_name) if p)
                                          or person.username)

    due = appeal.next_due
    return render_email(f"emails/reminder_{'due' if kind == Reminder.Kind.BEFORE else 'missed'}", {
        "institution": Institution.get_current(), "portal_url": settings.PORTAL_BASE_URL,
        "appeal": appeal, "term": term, "due": due, "days_left": (due - TODAY).days,
        "days_overdue": (TODAY - due).days, "department": department, "executor": name(executor),
        "admin_url": f"{settings.PORTAL_BASE_URL}/admin/appeals/appeal/{appeal.pk}/change/",
        "recipient": user, "recipient_name": name(user),
    })


def test_the_sweep_queues_each_letter_once_and_the_delivery_renders_it_as_before(
    django_capture_on_commit_callbacks, department, executor, registrar
):
    from outbox.tasks import deliver_message

    executor.first_name = "Пётр"
    executor.save()
    drafter = make_staff("sidorov", "Исполнитель", departments=[department], first_name="Иван")
    other = Department.objects.create(name="Отдел кадров", short_name="ОК")
    lonely = make_staff("kuznetsova", "Исполнитель", departments=[other], first_name="Анна")
    nameless = make_staff("noaddress", "Исполнитель", email="", departments=[department])
    answer = "ответ по существу (статья 12 Федерального закона № 59-ФЗ)"
    decision = ("решение по 7-дневному сроку: переадресация по компетенции (части 3 и 4 статьи 8) или уведомление "
                "заявителя по частям 2, 4, 4.1 или 5.1 статьи 11 Федерального закона № 59-ФЗ")
    registration = "регистрация обращения (часть 2 статьи 8 Федерального закона № 59-ФЗ)"
    soon = make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=3))
    late = make_appeal(executor=executor, department=department, next_due=TODAY - timedelta(days=2))
    unassigned_in_dept = make_appeal(department=department, next_due=TODAY + timedelta(days=3))
    other_dept = make_appeal(department=other, next_due=TODAY - timedelta(days=1))
    unregistered = make_appeal(status=Appeal.Status.RECEIVED, received_at=timezone.now(), registered_at=None,
                               decided_at=None, next_due=TODAY + timedelta(days=1))
    undecided = make_appeal(status=Appeal.Status.REGISTERED, decided_at=None, department=other,
                            decision_due=TODAY - timedelta(days=1), next_due=TODAY - timedelta(days=1))
    make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=5))  # not yet
    make_appeal(executor=executor, department=department, next_due=TODAY - timedelta(days=30))  # too old
    make_appeal(executor=nameless, department=department, next_due=TODAY + timedelta(days=4))  # not due
    make_appeal(executor=executor, department=department, next_due=TODAY + timedelta(days=3),
                closed_at=timezone.now(), status=Appeal.Status.ANSWERED)
    before, missed = Reminder.Kind.BEFORE, Reminder.Kind.MISSED
    expected = {
        (soon.pk, before, executor.pk): (answer, department, executor),
        (late.pk, missed, executor.pk): (answer, department, executor),
        (unassigned_in_dept.pk, before, executor.pk): (answer, department, None),
        (unassigned_in_dept.pk, before, drafter.pk): (answer, department, None),
        (other_dept.pk, missed, lonely.pk): (answer, other, None),
        (unregistered.pk, before, registrar.pk): (registration, None, None),
        (undecided.pk, missed, lonely.pk): (decision, other, None),
    }
    kinds = {before: "staff.reminder_due", missed: "staff.reminder_missed"}

    # Two runs, the letters not delivered yet: each letter queued once.
    with django_capture_on_commit_callbacks() as queued:
        assert reminders.send_due_reminders(today=TODAY) == len(expected)
        assert reminders.send_due_reminders(today=TODAY) == 0
    users = {user.pk: user for user in User.objects.all()}
    rows = list(OutgoingMessage.objects.order_by("pk"))
    assert sorted((m.appeal_id, m.kind, m.to) for m in rows) == sorted(
        (appeal_id, kinds[kind], users[user_id].email) for appeal_id, kind, user_id in expected
    )
    assert {(r.appeal_id, r.kind, r.recipient_id) for r in Reminder.objects.all()} == set(expected)
    # Found and queued, not rendered: the sweep leaves the text to the delivery.
    assert all(m.status == OutgoingMessage.Status.PENDING and m.subject == "" and m.body_text == "" for m in rows)

    # The delivery task renders each letter: the same text as the sweep used to write.
    mail.outbox.clear()
    for message in rows:
        deliver_message.apply(args=[message.pk])
    assert len(mail.outbox) == len(expected)
    by_row = {}
    for message in OutgoingMessage.objects.all():
        assert message.status == OutgoingMessage.Status.SENT
        by_row[(message.appeal_id, message.kind, message.to)] = message
    appeals = {appeal.pk: appeal for appeal in Appeal.objects.all()}
    for (appeal_id, kind, user_id), (term, dept, assigned) in expected.items():
        user = users[user_id]
        letter = _old_letter(appeals[appeal_id], kind, user, term, dept, assigned)
        row = by_row[(appeal_id, kinds[kind], user.email)]
        assert (row.subject, row.body_text, row.body_html) == (letter.subject, letter.text, letter.html)
        [sent] = [m for m in mail.outbox if m.to == [user.email] and appeals[appeal_id].number in m.subject]
        assert (sent.subject, sent.body, sent.alternatives[0][0]) == (letter.subject, letter.text, letter.html)
    # A queued letter handed to the broker once more (the sweep's safety net) is not sent again.
    for callback in queued:
        callback()
    assert len(mail.outbox) == len(expected)
