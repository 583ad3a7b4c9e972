"""Fill the database with realistic appeals for load tests: `manage.py generate_appeals --count 1000000`.

What it makes (bench/README.md, section "Case handling at scale", has the numbers):

* ~10 departments with staff (three executors each, a registrar, a head), created if missing, by
  name and login (`gen-*`), so a second run reuses them; the staff have no usable password;
* appeals received over the last `--years` years, more on weekdays and in the admission season, fewer
  on holidays and in January; numbers `ОГ-YYYY-NNNNNN` consecutive per year in order of receipt,
  taken from RegistrationCounter under its row lock (as the intake does), so the generator may run
  beside a live intake;
* each appeal lives a plausible life whose steps are cut at "now": an old one is closed (answered
  mostly, some redirected, left without an answer under art. 11, withdrawn), a recent one is received,
  registered, in work or on approval; some are late (unregistered after 2 days, 7-day decision pending,
  answer overdue), some were extended. The due dates come from appeals.services.terms.refresh_terms
  on unsaved appeals (one working-day calendar);
* one question per registered appeal (the registrar creates it on registration), a second one for
  about 15 %, 1-6 history rows per appeal (3-5 for a closed one), an answer for the answered ones and
  those on approval (no PDF);
* the complaint analysis of answered questions (issue 11): a cause from the reference book, the
  measures of a supported question with measures taken, how it was checked; and, where the feedback
  app is installed, the citizen's satisfaction request a day after the answer: answered (да /
  частично / нет, a mark) or expired once its 30 days are over, still asked before that. The
  core imports no capability: the request's model is looked up by name, and the reports' summary
  is rebuilt by `manage.py rebuild_report_summary` afterwards.

On PostgreSQL rows go in with COPY (psycopg2 copy_expert), `--method orm` uses bulk_create; both
give the rows explicit ids, one transaction per batch, nothing kept between batches (memory stays
flat). No index is dropped. ANALYZE at the end (`--vacuum`: VACUUM ANALYZE).
"""

from __future__ import annotations

import io
import json
import random
import time as clock
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from appeals.models import (
    Answer,
    Appeal,
    AppealEvent,
    AppealQuestion,
    Art11Case,
    Department,
    OutgoingCounter,
    QuestionResult,
    RegistrationCounter,
    surname_key,
)
from appeals.services import terms
from appeals.services.intake import format_number
from classifiers.models import Cause, ExternalBody, Measure, Topic

Status = Appeal.Status

DEPARTMENTS = [
    ("Приёмная комиссия", "ПК"),
    ("Учебно-методическое управление", "УМУ"),
    ("Управление кадров", "УК"),
    ("Бухгалтерия", "Бух."),
    ("Юридический отдел", "ЮО"),
    ("Управление по воспитательной и социальной работе", "УВСР"),
    ("Отдел аспирантуры и докторантуры", "ОАД"),
    ("Архив", "Архив"),
    ("Студенческий городок", "СГ"),
    ("Отдел платных образовательных услуг", "ОПОУ"),
]
# Which department a question of the shipped classifier usually goes to (by the question's last block).
TOPIC_DEPARTMENT = {"0046": 4, "0120": 7, "0272": 9, "0277": 0, "0527": 8, "0654": 4, "0658": 2}
EXECUTORS_PER_DEPARTMENT = 3
EXTERNAL_BODIES = [
    "Министерство науки и высшего образования Российской Федерации",
    "Федеральная служба по надзору в сфере образования и науки",
    "Департамент образования и науки города Москвы",
    "Прокуратура Центрального административного округа г. Москвы",
]

# (male, female) forms.
SURNAMES = [
    ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
    ("Васильев", "Васильева"), ("Петров", "Петрова"), ("Соколов", "Соколова"), ("Михайлов", "Михайлова"),
    ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"), ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"), ("Егоров", "Егорова"),
    ("Павлов", "Павлова"), ("Козлов", "Козлова"), ("Степанов", "Степанова"), ("Николаев", "Николаева"),
    ("Орлов", "Орлова"), ("Андреев", "Андреева"), ("Макаров", "Макарова"), ("Никитин", "Никитина"),
    ("Захаров", "Захарова"), ("Зайцев", "Зайцева"), ("Соловьёв", "Соловьёва"), ("Борисов", "Борисова"),
    ("Яковлев", "Яковлева"), ("Григорьев", "Григорьева"), ("Романов", "Романова"), ("Воробьёв", "Воробьёва"),
    ("Сергеев", "Сергеева"), ("Кузьмин", "Кузьмина"), ("Фролов", "Фролова"), ("Александров", "Александрова"),
    ("Дмитриев", "Дмитриева"), ("Королёв", "Королёва"), ("Гусев", "Гусева"), ("Киселёв", "Киселёва"),
    ("Ильин", "Ильина"), ("Максимов", "Максимова"), ("Поляков", "Полякова"), ("Сорокин", "Сорокина"),
    ("Виноградов", "Виноградова"), ("Ковалёв", "Ковалёва"), ("Белов", "Белова"), ("Медведев", "Медведева"),
    ("Антонов", "Антонова"), ("Тарасов", "Тарасова"), ("Жуков", "Жукова"), ("Баранов", "Баранова"),
    ("Филиппов", "Филиппова"), ("Комаров", "Комарова"), ("Давыдов", "Давыдова"), ("Беляев", "Беляева"),
    ("Герасимов", "Герасимова"), ("Богданов", "Богданова"), ("Осипов", "Осипова"), ("Сидоров", "Сидорова"),
    ("Матвеев", "Матвеева"), ("Титов", "Титова"), ("Марков", "Маркова"), ("Миронов", "Миронова"),
    ("Крылов", "Крылова"), ("Куликов", "Куликова"), ("Карпов", "Карпова"), ("Власов", "Власова"),
    ("Мельников", "Мельникова"), ("Денисов", "Денисова"), ("Гаврилов", "Гаврилова"), ("Тихонов", "Тихонова"),
    ("Шевченко", "Шевченко"), ("Коваленко", "Коваленко"), ("Черных", "Черных"), ("Седых", "Седых"),
    ("Ершов", "Ершова"), ("Широков", "Широкова"), ("Чернов", "Чернова"), ("Калинин", "Калинина"),
]
MALE_NAMES = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван", "Михаил",
              "Артём", "Николай", "Владимир", "Павел", "Роман", "Олег", "Игорь", "Кирилл", "Юрий", "Денис"]
FEMALE_NAMES = ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Анна", "Мария", "Светлана", "Екатерина",
                "Юлия", "Анастасия", "Марина", "Дарья", "Людмила", "Галина", "Ксения", "Виктория", "Алёна"]
# (male, female) patronymics.
PATRONYMICS = [
    ("Александрович", "Александровна"), ("Сергеевич", "Сергеевна"), ("Владимирович", "Владимировна"),
    ("Андреевич", "Андреевна"), ("Алексеевич", "Алексеевна"), ("Николаевич", "Николаевна"),
    ("Дмитриевич", "Дмитриевна"), ("Иванович", "Ивановна"), ("Михайлович", "Михайловна"),
    ("Викторович", "Викторовна"), ("Юрьевич", "Юрьевна"), ("Петрович", "Петровна"), ("Олегович", "Олеговна"),
    ("Евгеньевич", "Евгеньевна"), ("Игоревич", "Игоревна"), ("Павлович", "Павловна"),
]
# (region and locality, postal index prefix, weight)
PLACES = [
    ("г. Москва", "1", 40), ("Московская обл., г. Химки", "141", 6), ("Московская обл., г. Подольск", "142", 5),
    ("г. Санкт-Петербург", "19", 8), ("Тверская обл., г. Тверь", "170", 3), ("Тульская обл., г. Тула", "300", 3),
    ("Калужская обл., г. Калуга", "248", 2), ("Владимирская обл., г. Владимир", "600", 2),
    ("Рязанская обл., г. Рязань", "390", 2), ("Нижегородская обл., г. Нижний Новгород", "603", 3),
    ("Республика Татарстан, г. Казань", "420", 3), ("Свердловская обл., г. Екатеринбург", "620", 3),
    ("Новосибирская обл., г. Новосибирск", "630", 2), ("Краснодарский край, г. Краснодар", "350", 3),
    ("Ростовская обл., г. Ростов-на-Дону", "344", 2), ("Воронежская обл., г. Воронеж", "394", 2),
    ("Самарская обл., г. Самара", "443", 2), ("Ярославская обл., г. Ярославль", "150", 2),
    ("Смоленская обл., с. Печерск", "214", 1), ("Республика Крым, г. Симферополь", "295", 1),
]
STREETS = ["Ленина", "Мира", "Садовая", "Советская", "Школьная", "Центральная", "Молодёжная", "Лесная",
           "Пушкина", "Гагарина", "Новая", "Набережная", "Заречная", "Полевая", "Остоженка", "Пречистенка",
           "Профсоюзная", "Вернадского", "Академика Королёва", "Зелёная"]
MAIL_DOMAINS = [("mail.ru", 30), ("yandex.ru", 30), ("bk.ru", 5), ("list.ru", 5), ("inbox.ru", 5),
                ("rambler.ru", 4), ("ya.ru", 6), ("gmail.ru", 1), ("почта.рф", 1)]
TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
     "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True,
))
TEXT_OPENINGS = [
    "Прошу разъяснить", "Прошу рассмотреть вопрос", "Обращаюсь к Вам по вопросу", "Прошу сообщить",
    "Прошу оказать содействие в решении вопроса", "Прошу дать разъяснения по вопросу",
]
TEXT_BODIES = {
    "0046": ["о порядке рассмотрения моего предыдущего обращения, ответ на которое я не получил в срок",
             "о возможности подать коллективное обращение от имени родителей студентов группы"],
    "0120": ["о выдаче архивной справки об обучении за 1998–2003 годы для оформления пенсии",
             "о получении копии приказа о зачислении и академической справки из архива"],
    "0272": ["о стоимости обучения по договору на второй год и порядке её изменения",
             "о возврате излишне уплаченных средств за платное обучение после перевода на бюджет",
             "о рассрочке оплаты обучения по договору об оказании платных образовательных услуг"],
    "0277": ["об учёте результатов ЕГЭ прошлого года при поступлении",
             "о сроках приёма документов и учёте индивидуальных достижений при поступлении"],
    "0527": ["о шуме и нарушении правил проживания соседями в общежитии № 2",
             "о конфликте с соседями по комнате в общежитии и переселении"],
    "0654": ["о несогласии с ответом на моё обращение и повторном рассмотрении",
             "о результатах рассмотрения моего обращения, направленного ранее"],
    "0658": ["о задержке выплаты заработной платы за работу по совместительству",
             "о порядке перерасчёта отпускных и оплате сверхурочной работы"],
}
TEXT_DETAILS = [
    "Ранее я обращался устно, но вопрос не был решён.", "Копии документов могу представить по запросу.",
    "Прошу ответить в установленный законом срок.", "Ситуация длится уже несколько месяцев.",
    "Прошу принять меры и сообщить о результатах.", "На кафедре мне не смогли ответить.",
    "Считаю, что мои права нарушены.", "Заранее благодарю за ответ.",
]
ANSWER_TEXTS = [
    "По существу Вашего обращения сообщаем следующее. Вопрос рассмотрен, необходимые разъяснения даны ниже.",
    "Ваше обращение рассмотрено. Сообщаем, что порядок по данному вопросу определён локальными актами "
    "университета; по результатам рассмотрения приняты меры.",
    "Рассмотрев Ваше обращение, сообщаем, что оснований для пересмотра принятого решения не имеется.",
]
# Relative weights: a day of the week (Monday first), a month.
WEEKDAY_WEIGHT = [1.2, 1.15, 1.1, 1.05, 0.95, 0.3, 0.2]
MONTH_WEIGHT = [0.7, 1.0, 1.05, 1.0, 0.9, 1.15, 1.3, 1.1, 1.2, 1.05, 1.0, 0.85]
HOLIDAY_WEIGHT = 0.3


def weighted(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [v for v, _ in pairs]
    acc, cum = 0.0, []
    for _, w in pairs:
        acc += w
        cum.append(acc)
    return values, cum


@dataclass
class Staff:
    registrar: Any
    head: Any
    departments: list[Department]
    executors: dict[int, list[Any]]  # department id -> users


@dataclass
class Batch:
    appeals: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    satisfaction: list[dict[str, Any]] = field(default_factory=list)


# Weights of the shipped causes by title (others: 1); a cause's share is what the trends show.
CAUSE_WEIGHT = {"необоснованная жалоба": 30, "недостаток информации": 30, "нарушение сроков": 12,
                "ошибка сотрудника": 10, "нормативное ограничение": 18}
SATISFACTION_DELAY = timedelta(days=1)
SATISFACTION_PERIOD = timedelta(days=30)


def satisfaction_model() -> type[models.Model] | None:
    """The feedback app's request, if installed (the core must not import the app)."""
    if not apps.is_installed("feedback"):
        return None
    return apps.get_model("feedback", "SatisfactionRequest")


def outcome_models() -> list[type[models.Model]]:
    """The models the generator writes, in the order their rows must go in."""
    found: list[type[models.Model]] = [Appeal, AppealQuestion, AppealQuestion.measures.through, AppealEvent, Answer]
    request = satisfaction_model()
    if request is not None:
        found.append(request)
    return found


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    """Every concrete column with the model's default: the database itself has no defaults."""
    values: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        values[f.attname] = f.get_default() if f.has_default() else (None if f.null else "")
    return values


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value)


class Generator:
    """Makes the rows of one batch at a time, in order of receipt."""

    def __init__(self, *, seed: int, staff: Staff, topics: list[Topic], bodies: list[ExternalBody],
                 now: datetime) -> None:
        self.rng = random.Random(seed)
        self.staff = staff
        self.topics = topics
        self.bodies = bodies
        self.now = now
        self.today = timezone.localdate(now)
        self.tz = timezone.get_current_timezone()
        self.calendar = terms.work_calendar()
        self.places, self.place_cum = weighted([((p, i), w) for p, i, w in PLACES])
        self.domains, self.domain_cum = weighted(MAIL_DOMAINS)
        self.defaults = {m: _defaults(m) for m in outcome_models()}
        causes = list(Cause.objects.filter(is_active=True).order_by("order", "pk"))
        self.causes, self.cause_cum = weighted([(c.pk, CAUSE_WEIGHT.get(c.title, 1)) for c in causes])
        self.measures = list(Measure.objects.filter(is_active=True).values_list("pk", flat=True))
        self.satisfaction = satisfaction_model()
        self.ids: dict[type[models.Model], int] = {}
        self.head_name = f"{staff.head.first_name[:1]}. {staff.head.last_name}".strip()

    # --- the calendar of receipts -------------------------------------------------------
    def day_counts(self, count: int, years: int) -> list[tuple[date, int]]:
        """How many appeals arrive each day: weekday, month and holiday weights, some noise; exact total."""
        first = self.today - timedelta(days=365 * years - 1)
        days = [first + timedelta(days=i) for i in range((self.today - first).days + 1)]
        weights = []
        for day in days:
            w = WEEKDAY_WEIGHT[day.weekday()] * MONTH_WEIGHT[day.month - 1] * self.rng.uniform(0.85, 1.15)
            if day.weekday() < 5 and not self.calendar.is_working_day(day):
                w *= HOLIDAY_WEIGHT
            weights.append(w)
        # Today is not over: only the part already gone.
        midnight = datetime.combine(self.today, time(), tzinfo=self.tz)
        weights[-1] *= max((self.now - midnight).total_seconds() / 86400, 0.01)
        total = sum(weights)
        exact = [count * w / total for w in weights]
        counts = [int(x) for x in exact]
        by_remainder = sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)
        for i in by_remainder[: count - sum(counts)]:
            counts[i] += 1
        return [(d, n) for d, n in zip(days, counts, strict=True) if n]

    def receipt_times(self, day: date, n: int) -> list[datetime]:
        midnight = datetime.combine(day, time(), tzinfo=self.tz)
        limit = 86400.0 if day < self.today else max((self.now - midnight).total_seconds() - 1, 1.0)
        rng = self.rng
        seconds = []
        for _ in range(n):
            # Mostly office hours; the site works at night too.
            s = rng.uniform(8 * 3600, 20 * 3600) if rng.random() < 0.8 else rng.uniform(0, 86400)
            seconds.append(s if s < limit else rng.uniform(0, limit))
        seconds.sort()
        return [midnight + timedelta(seconds=int(s)) for s in seconds]

    # --- dates ----------------------------------------------------------------------------
    def at_work(self, day: date, earliest: datetime | None = None) -> datetime:
        """A moment of office hours on the first working day from `day`, after `earliest`."""
        day = day if self.calendar.is_working_day(day) else self.calendar.next_working_day(day)
        moment = datetime.combine(day, time(9), tzinfo=self.tz) + timedelta(seconds=self.rng.randint(0, 8 * 3600))
        if earliest is not None and moment <= earliest:
            moment = earliest + timedelta(seconds=self.rng.randint(600, 3 * 3600))
        return moment

    def working_days_after(self, day: date, n: int) -> date:
        for _ in range(n):
            day = self.calendar.next_working_day(day + timedelta(days=1))
        return day

    # --- people -----------------------------------------------------------------------------
    def person(self) -> dict[str, Any]:
        rng = self.rng
        female = rng.random() < 0.55
        surname = rng.choice(SURNAMES)[female]
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        patronymic = rng.choice(PATRONYMICS)[female] if rng.random() < 0.95 else ""
        (place, index_prefix) = rng.choices(self.places, cum_weights=self.place_cum)[0]
        postal_index = index_prefix + "".join(str(rng.randint(0, 9)) for _ in range(6 - len(index_prefix)))
        address = f"{place}, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
        if rng.random() < 0.8:
            address += f", кв. {rng.randint(1, 400)}"
        domain = rng.choices(self.domains, cum_weights=self.domain_cum)[0]
        email = f"{_latin(first)[:1]}.{_latin(surname)}{rng.randint(1, 9999)}@{domain}"
        digits = [rng.randint(0, 99), rng.randint(0, 999), rng.randint(0, 99), rng.randint(0, 99)]
        phone = "+7 9{:02d} {:03d}-{:02d}-{:02d}".format(*digits)
        return {
            "last_name": surname, "surname_key": surname_key(surname), "first_name": first,
            "patronymic": patronymic, "address": address, "postal_index": postal_index, "phone": phone,
            "email": email,
        }

    def text(self, topic: Topic) -> str:
        rng = self.rng
        bodies = TEXT_BODIES.get(topic.code[-4:], [f"по теме «{topic.title}»"])
        details = rng.sample(TEXT_DETAILS, rng.randint(1, 3))
        return f"{rng.choice(TEXT_OPENINGS)} {rng.choice(bodies)}.\n\n" + " ".join(details)

    # --- one appeal's life ----------------------------------------------------------------------
    def appeal(self, batch: Batch, appeal_id: int, received_at: datetime, question_id: int, event_id: int,
               answer_id: int) -> tuple[int, int, int]:
        """Append the appeal and its rows to the batch; return the next free question, event, answer ids."""
        rng, staff, now = self.rng, self.staff, self.now
        topic = self.topics[rng.randrange(len(self.topics))]
        channel = rng.choices(["site", "epgu", "post", "personal"], cum_weights=[85, 93, 98, 100])[0]
        reply_method = "email" if channel in ("site", "epgu") and rng.random() < 0.9 else "post"
        row = dict(self.defaults[Appeal])
        row.update(self.person())
        if channel == "post" and reply_method == "post" and rng.random() < 0.5:
            row["email"] = ""
        row.update(
            id=appeal_id, status=Status.RECEIVED, channel=channel, received_at=received_at,
            reply_method=reply_method, topic_id=topic.pk, topic_code=topic.code, topic_title=topic.title,
            kind=rng.choices(["primary", "repeated", "multiple"], cum_weights=[90, 98, 100])[0],
            text=self.text(topic),
            identification_method="email" if channel in ("site", "epgu") else "registrar",
            identified_as=row["email"] if channel in ("site", "epgu") else staff.registrar.username,
            consent_at=received_at if channel in ("site", "epgu") else None,
            access_code_hash=f"{rng.getrandbits(256):064x}",  # nobody knows this appeal's access code
        )
        # Whose desk it goes to.
        preferred = TOPIC_DEPARTMENT.get(topic.code[-4:])
        department = staff.departments[
            preferred if preferred is not None and rng.random() < 0.75 else rng.randrange(len(staff.departments))
        ]
        executor = rng.choice(staff.executors[department.pk])

        # The planned life: (moment, action, actor, new status, field changes).
        steps: list[tuple[datetime, str, Any, str, dict[str, Any]]] = []
        received_day = timezone.localdate(received_at)
        if channel in ("site", "epgu"):
            reg_day = received_day if received_at.hour < 16 and rng.random() < 0.6 else received_day + timedelta(1)
        else:
            reg_day = received_day
        if rng.random() < 0.1:
            reg_day = self.working_days_after(reg_day, 1)
        if rng.random() < 0.015:  # a late one: registration after the flag (2 days) or the term (3 days)
            reg_day += timedelta(days=rng.randint(2, 6))
        registered_at = self.at_work(reg_day, received_at)
        registered_day = timezone.localdate(registered_at)
        steps.append((registered_at, "appeal.registered", staff.registrar, Status.REGISTERED,
                      {"registered_at": registered_at, "registered_by_id": staff.registrar.pk}))
        base_due = _terms(received_day, registered_day, 0, True, False)
        outcome = rng.random()
        if outcome < 0.88:  # considered on the merits
            decision_day = registered_day + timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 3]))
            if rng.random() < 0.03:  # the 7-day decision taken late
                decision_day = registered_day + timedelta(days=rng.randint(5, 9))
            assigned_at = self.at_work(decision_day, registered_at)
            steps.append((assigned_at, "appeal.assigned", staff.registrar, Status.IN_WORK,
                          {"department_id": department.pk, "executor_id": executor.pk, "decided_at": assigned_at}))
            answer_due = base_due[2]
            assert answer_due is not None  # registered: the 30-day term is known
            extension = 0
            lateness = rng.random()
            if lateness < 0.02:  # extended once, before the term ran out
                extension = 30
                extended_at = self.at_work(answer_due - timedelta(days=rng.randint(3, 8)), assigned_at)
                steps.append((extended_at, "appeal.extended", staff.head, Status.IN_WORK,
                              {"extension_days": extension,
                               "extension_reason": "Направлен запрос в другой орган (ч. 2 ст. 12 59-ФЗ)"}))
                extended_due = _terms(received_day, registered_day, extension, True, False)[2]
                assert extended_due is not None
                answer_due = extended_due
                close_day = answer_due - timedelta(days=rng.randint(0, 20))
            elif lateness < 0.06:  # answered after the term
                close_day = answer_due + timedelta(days=rng.randint(1, 15))
            else:
                close_day = registered_day + timedelta(days=round(rng.triangular(3, 29, 16)))
                close_day = min(close_day, answer_due)
            signed_at = self.at_work(close_day, assigned_at)
            if rng.random() < 0.02:  # the citizen withdrew it while in work
                withdrawn_at = self.at_work(
                    timezone.localdate(assigned_at) + timedelta(days=rng.randint(1, 14)), assigned_at)
                steps.append((withdrawn_at, "appeal.withdrawn", staff.registrar, Status.WITHDRAWN,
                              {"closed_at": withdrawn_at}))
                answer_steps = None
            else:
                submitted_at = max(signed_at - timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5)),
                                   assigned_at + timedelta(hours=1))
                steps.append((submitted_at, "answer.submitted", executor, Status.ON_APPROVAL, {}))
                steps.append((signed_at, "answer.signed", staff.head, Status.ANSWERED, {"closed_at": signed_at}))
                answer_steps = (submitted_at, signed_at)
        else:
            decision_at = self.at_work(registered_day + timedelta(days=rng.randint(1, 6)), registered_at)
            if outcome < 0.94:
                body = rng.choice(self.bodies)
                steps.append((decision_at, "appeal.redirected", staff.registrar, Status.REDIRECTED,
                              {"redirected_to_id": body.pk, "decided_at": decision_at, "closed_at": decision_at}))
            elif outcome < 0.98:
                case = rng.choice([Art11Case.NO_ESSENCE, Art11Case.UNREADABLE, Art11Case.PUBLISHED,
                                   Art11Case.ABUSIVE, Art11Case.TERMINATED])
                steps.append((decision_at, f"appeal.art11.{case.value}", staff.registrar, Status.NO_ANSWER,
                              {"art11_case": case.value, "decided_at": decision_at, "closed_at": decision_at}))
            else:
                steps.append((decision_at, "appeal.withdrawn", staff.registrar, Status.WITHDRAWN,
                              {"decided_at": decision_at, "closed_at": decision_at}))
            answer_steps = None

        # What has happened by now.
        events = batch.events
        event = dict(self.defaults[AppealEvent])
        event.update(id=event_id, appeal_id=appeal_id, created_at=received_at, actor_label="заявитель",
                     action="appeal.received", after={"status": Status.RECEIVED.value})
        if channel not in ("site", "epgu"):
            event.update(action="appeal.entered", actor_id=staff.registrar.pk, actor_label="",
                         after={"status": Status.RECEIVED.value, "channel": channel})
        events.append(event)
        event_id += 1
        status = Status.RECEIVED.value
        for moment, action, actor, new_status, changes in steps:
            if moment > now:
                break
            event = dict(self.defaults[AppealEvent])
            after: dict[str, Any] = {"status": str(new_status)}
            if "extension_days" in changes:
                after["extension_days"] = changes["extension_days"]
            if "department_id" in changes:
                after["department"] = str(department)
            event.update(id=event_id, appeal_id=appeal_id, created_at=moment, actor_id=actor.pk, action=action,
                         before={"status": status}, after=after)
            events.append(event)
            event_id += 1
            status = str(new_status)
            row.update(changes)
        row["status"] = status
        registered = row["registered_at"] is not None
        closed = row["closed_at"] is not None
        reg_due, dec_due, ans_due, nxt = _terms(
            received_day, registered_day if registered else None, row["extension_days"],
            row["decided_at"] is not None, closed,
        )
        row.update(registration_due=reg_due, decision_due=dec_due, answer_due=ans_due, next_due=nxt)
        batch.appeals.append(row)

        if registered:
            question = dict(self.defaults[AppealQuestion])
            result = QuestionResult.IN_PROGRESS.value
            measures = False
            if status == Status.ANSWERED:
                result = rng.choices(["explained", "supported", "not_supported", "answered"],
                                     cum_weights=[55, 70, 90, 100])[0]
                measures = result == "supported" and rng.random() < 0.5
            elif status == Status.REDIRECTED:
                result = QuestionResult.REDIRECTED.value
            elif status in (Status.NO_ANSWER, Status.WITHDRAWN):
                result = QuestionResult.NO_ANSWER.value
            question.update(id=question_id, appeal_id=appeal_id, topic_id=topic.pk, topic_code=topic.code,
                            topic_title=topic.title, result=result, measures_taken=measures)
            questions = [question]
            if rng.random() < 0.15 and len(self.topics) > 1:  # a second question in the same appeal
                other = rng.choice([t for t in self.topics if t.pk != topic.pk])
                second = dict(question)
                result2 = result if status != Status.ANSWERED else rng.choices(
                    ["explained", "supported", "not_supported", "answered"], cum_weights=[55, 70, 90, 100])[0]
                second.update(id=question_id + 1, topic_id=other.pk, topic_code=other.code, topic_title=other.title,
                              result=result2, measures_taken=result2 == "supported" and rng.random() < 0.5)
                questions.append(second)
            for item in questions:
                self.analyse(batch, item, closed=status == Status.ANSWERED)
                batch.questions.append(item)
                question_id += 1

        if answer_steps is not None and status in (Status.ON_APPROVAL, Status.ANSWERED):
            submitted_at, signed_at = answer_steps
            answer = dict(self.defaults[Answer])
            answer.update(id=answer_id, appeal_id=appeal_id, text=rng.choice(ANSWER_TEXTS),
                          drafted_by_id=executor.pk,
                          drafted_at=submitted_at - timedelta(hours=rng.randint(1, 48)),
                          status=Answer.Status.ON_APPROVAL.value, pdf="")
            if status == Status.ANSWERED:
                answer.update(status=Answer.Status.SIGNED.value, signed_by_id=staff.head.pk, signed_at=signed_at,
                              signer_position="Проректор по учебной работе", signer_name=self.head_name,
                              outgoing_date=timezone.localdate(signed_at))
            batch.answers.append(answer)
            answer_id += 1
            if status == Status.ANSWERED:
                self.ask(batch, appeal_id, signed_at, reply_method)
        return question_id, event_id, answer_id

    # --- issue 11: the complaint analysis and the citizen's satisfaction ----------------------
    def analyse(self, batch: Batch, question: dict[str, Any], *, closed: bool) -> None:
        """The cause, the measures and the checks of an answered question, as the sign step records them."""
        rng = self.rng
        if not closed or not self.causes:
            return
        question["cause_id"] = rng.choices(self.causes, cum_weights=self.cause_cum)[0]
        if question["result"] == "supported":
            question["checked_by_commission"] = rng.random() < 0.3
            question["checked_on_site"] = rng.random() < 0.15
            question["checked_with_applicant"] = rng.random() < 0.2
        if question["measures_taken"] and self.measures:
            through = AppealQuestion.measures.through
            for measure in rng.sample(self.measures, min(len(self.measures), rng.randint(1, 2))):
                link = dict(self.defaults[through])
                link.update(id=self.next_id(through), appealquestion_id=question["id"], measure_id=measure)
                batch.measures.append(link)

    def ask(self, batch: Batch, appeal_id: int, signed_at: datetime, reply_method: str) -> None:
        """The satisfaction request of an answered appeal, in the state it has reached by now."""
        model, rng = self.satisfaction, self.rng
        asked_at = signed_at + SATISFACTION_DELAY
        if model is None or asked_at > self.now:
            return
        row = dict(self.defaults[model])
        row.update(id=self.next_id(model), appeal_id=appeal_id, channel="post" if reply_method == "post" else "email",
                   asked_at=asked_at, expires_at=asked_at + SATISFACTION_PERIOD, status="asked")
        answered_at = asked_at + timedelta(hours=rng.randint(1, 24 * 20))
        if rng.random() < 0.55 and answered_at <= self.now:
            resolved = rng.choices(["yes", "partly", "no"], cum_weights=[60, 85, 100])[0]
            mark = {"yes": rng.choice([4, 5, 5, 5]), "partly": rng.choice([2, 3, 3, 4]),
                    "no": rng.choice([1, 1, 2, 3])}[resolved]
            row.update(status="answered", answered_at=answered_at, resolved=resolved, mark=mark,
                       needs_review=resolved != "yes" or mark <= 2)
        elif row["expires_at"] <= self.now:
            row["status"] = "expired"
        batch.satisfaction.append(row)

    def next_id(self, model: type[models.Model]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value


@lru_cache(maxsize=65536)
def _terms(received_day: date, registered_day: date | None, extension_days: int, decided: bool,
           closed: bool) -> tuple[date | None, date | None, date | None, date | None]:
    """The stored due dates of an appeal with these dates, by appeals.services.terms (memoised)."""
    tz = timezone.get_current_timezone()
    noon = time(12)
    sentinel = datetime.combine(received_day, noon, tzinfo=tz)
    appeal = Appeal(
        received_at=sentinel,
        registered_at=datetime.combine(registered_day, noon, tzinfo=tz) if registered_day else None,
        extension_days=extension_days,
        decided_at=sentinel if decided else None,
        closed_at=sentinel if closed else None,
    )
    terms.refresh_terms(appeal)
    return appeal.registration_due, appeal.decision_due, appeal.answer_due, appeal.next_due


def _latin(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower())


class Command(BaseCommand):
    help = "Generate realistic appeals with their questions, history and answers (load tests)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=1000, help="appeals to add (default 1000)")
        parser.add_argument("--years", type=int, default=3, help="spread receipts over the last N years")
        parser.add_argument("--seed", type=int, default=59, help="random seed (same seed, same appeals)")
        parser.add_argument("--batch", type=int, default=20000, help="appeals per transaction")
        parser.add_argument("--method", choices=["auto", "copy", "orm"], default="auto",
                            help="copy: PostgreSQL COPY; orm: bulk_create; auto: copy on PostgreSQL")
        parser.add_argument("--vacuum", action="store_true", help="VACUUM ANALYZE at the end instead of ANALYZE")

    def handle(self, *args: Any, **options: Any) -> None:
        count, batch_size = options["count"], options["batch"]
        if count < 0 or batch_size < 1 or options["years"] < 1:
            raise CommandError("--count must be >= 0, --batch and --years >= 1")
        method = options["method"]
        if method == "auto":
            method = "copy" if connection.vendor == "postgresql" else "orm"
        if method == "copy" and connection.vendor != "postgresql":
            raise CommandError("--method copy needs PostgreSQL")
        started = clock.monotonic()
        staff = self.ensure_staff()
        topics = list(Topic.objects.offered()) or list(Topic.objects.filter(level=4, is_active=True))
        if not topics:
            raise CommandError("no questions in the topic classifier: run migrate (it ships them)")
        bodies = [ExternalBody.objects.get_or_create(name=name)[0] for name in EXTERNAL_BODIES]
        terms.reset_calendar()
        gen = Generator(seed=options["seed"], staff=staff, topics=topics, bodies=bodies, now=timezone.now())
        schedule = gen.day_counts(count, options["years"])
        self.stdout.write(
            f"generating {count} appeals from {schedule[0][0] if schedule else '-'} to {gen.today} "
            f"in batches of {batch_size} ({method}); {len(staff.departments)} departments, {len(topics)} topics"
        )
        ids: dict[type[models.Model], int] = {
            m: (m._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1 for m in outcome_models()
        }
        gen.ids = ids
        done = 0
        totals = {"questions": 0, "events": 0, "answers": 0, "measures": 0, "satisfaction": 0}
        for batch in self.batches(gen, schedule, batch_size, ids):
            with transaction.atomic():
                self.number(batch)
                self.write(batch, method)
                self.reset_sequences()
            done += len(batch.appeals)
            totals["questions"] += len(batch.questions)
            totals["events"] += len(batch.events)
            totals["answers"] += len(batch.answers)
            totals["measures"] += len(batch.measures)
            totals["satisfaction"] += len(batch.satisfaction)
            elapsed = clock.monotonic() - started
            rate = done / elapsed if elapsed else 0
            eta = (count - done) / rate if rate else 0
            self.stdout.write(f"  {done:>9}/{count} appeals ({100 * done / max(count, 1):5.1f} %), "
                              f"{rate:,.0f} appeals/s, {elapsed:,.0f} s elapsed, ETA {eta:,.0f} s")
        analyze_started = clock.monotonic()
        if done:
            self.analyze(vacuum=options["vacuum"])
        self.stdout.write(
            f"done: {done} appeals, {totals['questions']} questions, {totals['events']} history rows, "
            f"{totals['answers']} answers, {totals['measures']} measures, {totals['satisfaction']} satisfaction "
            f"requests in {clock.monotonic() - started:,.1f} s "
            f"({'VACUUM ANALYZE' if options['vacuum'] else 'ANALYZE'} {clock.monotonic() - analyze_started:,.1f} s)"
        )

    # --- staff -----------------------------------------------------------------------------
    def ensure_staff(self) -> Staff:
        """Departments and their staff, created if missing (by name and login): running twice adds none."""
        User = get_user_model()
        groups = {name: Group.objects.get_or_create(name=name)[0]
                  for name in ("Регистратор", "Исполнитель", "Руководитель")}

        def user(username: str, first: str, last: str, group: str):
            obj, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "is_staff": True},
            )
            if created:
                obj.set_unusable_password()
                obj.save(update_fields=["password"])
            if not obj.email:  # reminders and digests go to the staff's addresses (a TLD that never delivers)
                obj.email = f"{username}@staff.invalid"
                obj.save(update_fields=["email"])
            obj.groups.add(groups[group])
            return obj

        registrar = user("gen-registrar", "Мария", "Канцелярская", "Регистратор")
        head = user("gen-head", "Виктор", "Проректоров", "Руководитель")
        departments, executors = [], {}
        rng = random.Random(1)
        for i, (name, short) in enumerate(DEPARTMENTS, start=1):
            dept, _ = Department.objects.get_or_create(name=name, defaults={"short_name": short})
            departments.append(dept)
            people = []
            for n in range(1, EXECUTORS_PER_DEPARTMENT + 1):
                female = rng.random() < 0.6
                person = user(f"gen-d{i:02d}-e{n}", rng.choice(FEMALE_NAMES if female else MALE_NAMES),
                              rng.choice(SURNAMES)[female], "Исполнитель")
                dept.members.add(person)
                people.append(person)
            executors[dept.pk] = people
        return Staff(registrar=registrar, head=head, departments=departments, executors=executors)

    # --- batches ---------------------------------------------------------------------------
    def batches(self, gen: Generator, schedule: list[tuple[date, int]], size: int,
                ids: dict[type[models.Model], int]) -> Iterator[Batch]:
        batch = Batch()
        appeal_id, question_id, event_id, answer_id = ids[Appeal], ids[AppealQuestion], ids[AppealEvent], ids[Answer]
        for day, n in schedule:
            for received_at in gen.receipt_times(day, n):
                question_id, event_id, answer_id = gen.appeal(
                    batch, appeal_id, received_at, question_id, event_id, answer_id)
                appeal_id += 1
                if len(batch.appeals) >= size:
                    yield batch
                    batch = Batch()
        if batch.appeals:
            yield batch

    def number(self, batch: Batch) -> None:
        """Registration and outgoing numbers, taken under the counters' row locks in this transaction."""
        years = sorted({timezone.localdate(row["received_at"]).year for row in batch.appeals})
        last = self._lock_counters(RegistrationCounter, years)
        for year in years:  # the counter may lag behind rows written without it
            top = Appeal.objects.filter(year=year).aggregate(m=Max("sequence"))["m"] or 0
            last[year] = max(last[year], top)
        for row in batch.appeals:
            year = timezone.localdate(row["received_at"]).year
            last[year] += 1
            row.update(year=year, sequence=last[year], number=format_number(year, last[year]))
        self._save_counters(RegistrationCounter, last)
        signed = [a for a in batch.answers if a["outgoing_date"] is not None]
        if signed:
            out_years = sorted({a["outgoing_date"].year for a in signed})
            out_last = self._lock_counters(OutgoingCounter, out_years)
            for answer in sorted(signed, key=lambda a: a["signed_at"]):
                year = answer["outgoing_date"].year
                out_last[year] += 1
                answer["outgoing_number"] = f"{settings.APPEALS_OUTGOING_PREFIX}-{year}-{out_last[year]:06d}"
            self._save_counters(OutgoingCounter, out_last)

    @staticmethod
    def _lock_counters(model, years: list[int]) -> dict[int, int]:
        model.objects.bulk_create([model(year=y) for y in years], ignore_conflicts=True)
        return dict(model.objects.select_for_update().filter(year__in=years).values_list("year", "last_value"))

    @staticmethod
    def _save_counters(model, last: dict[int, int]) -> None:
        for year, value in last.items():
            model.objects.filter(year=year).update(last_value=value)

    def write(self, batch: Batch, method: str) -> None:
        tables: list[tuple[type[models.Model], list[dict[str, Any]]]] = [
            (Appeal, batch.appeals), (AppealQuestion, batch.questions),
            (AppealQuestion.measures.through, batch.measures), (AppealEvent, batch.events), (Answer, batch.answers),
        ]
        request = satisfaction_model()
        if request is not None:
            tables.append((request, batch.satisfaction))
        for model, rows in tables:
            if not rows:
                continue
            if method == "copy":
                self._copy(model, rows)
            else:
                model._default_manager.bulk_create([model(**row) for row in rows], batch_size=2000)

    @staticmethod
    def _copy(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        columns = [f.attname for f in model._meta.concrete_fields]
        buf = io.StringIO()
        write = buf.write
        for row in rows:
            write("\t".join([_copy_value(row[c]) for c in columns]))
            write("\n")
        buf.seek(0)
        table = connection.ops.quote_name(model._meta.db_table)
        column_list = ", ".join(connection.ops.quote_name(str(f.column)) for f in model._meta.concrete_fields)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({column_list}) FROM STDIN", buf)

    @staticmethod
    def reset_sequences() -> None:
        """Rows went in with explicit ids: move the id sequences past them."""
        statements = connection.ops.sequence_reset_sql(no_style(), outcome_models())
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self, *, vacuum: bool) -> None:
        tables = [m._meta.db_table for m in outcome_models()]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                names = ", ".join(connection.ops.quote_name(t) for t in tables)
                if vacuum and not connection.in_atomic_block:
                    cursor.execute(f"VACUUM (ANALYZE) {names}")
                else:
                    cursor.execute(f"ANALYZE {names}")
            elif connection.vendor == "sqlite":
                cursor.execute("ANALYZE")
