#!/usr/bin/env python
"""The published answers' search (issue 12, "Speed": p95 under 100 ms) on a realistic number of pages.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_cabinet   # a database of its own
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/run_publications.py --pages 20000   # bench/results/publications-<date>.json

Method (bench/README.md, section 14):
 1. the machine's noise: a fixed CPU-bound loop timed 15 times, the load average before and after;
 2. the pages: --pages published answers (default 20,000) generated from ~40 subjects of a university's
    appeals, each with several phrasings of the question and the answer and filler sentences, 300-2,000
    characters; written by bulk INSERT, their search vectors by one UPDATE computing what
    publications.services.refresh_search_vector computes, then ANALYZE (skipped with --reuse when the
    table already holds that many);
 3. the public search (/answers/?q=, one to three words, every word must match) and the form's hints
    (/answers/hints/?text=, an essence of 80-400 characters, any word) through django.test.Client: the whole
    Django stack (middleware, the session, templates or JSON), no HTTP server; --warmup then --requests
    runs of each, cycling through the queries; rate limits off (one address);
 4. EXPLAIN ANALYZE of one search and one hint, to show the GIN index (pubanswer_search_idx) is used;
 5. p50, p95, p99 and max per kind; bench/results/publications-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from classifiers.models import Topic  # noqa: E402
from publications import services  # noqa: E402
from publications.models import PublishedAnswer  # noqa: E402

RESULTS = ROOT / "bench" / "results"

# Subject: (words of the question's title, question phrasings, answer phrasings).
SUBJECTS: list[tuple[str, list[str], list[str]]] = [
    ("Места в общежитии", ["Как получить место в общежитии?", "Положено ли общежитие студенту из другого города?",
                          "Почему мне отказали в общежитии?"],
     ["Места в общежитиях предоставляются по заявлению, поданному в студенческий офис.",
      "Приоритет при заселении в общежитие имеют иногородние студенты первого курса."]),
    ("Оплата общежития", ["Сколько стоит проживание в общежитии?", "Можно ли платить за общежитие помесячно?"],
     ["Плата за проживание в общежитии установлена приказом ректора и вносится ежемесячно."]),
    ("Перевод на бюджет", ["Как перевестись с платного обучения на бюджетное место?",
                           "Когда проводится конкурс на вакантные бюджетные места?"],
     ["Переход с платного обучения на бесплатное проводится при наличии вакантных бюджетных мест.",
      "Заявления о переходе рассматривает комиссия два раза в год."]),
    ("Академический отпуск", ["Как оформить академический отпуск по болезни?",
                              "Сохраняется ли стипендия в академическом отпуске?"],
     ["Академический отпуск предоставляется по заявлению на основании заключения врачебной комиссии."]),
    ("Восстановление после отчисления", ["Можно ли восстановиться после отчисления?",
                                         "Сколько лет сохраняется право на восстановление?"],
     ["Восстановление возможно в течение пяти лет после отчисления при наличии мест."]),
    ("Стипендия", ["Кто получает повышенную стипендию?", "Почему задерживается выплата стипендии?",
                   "Как получить социальную стипендию?"],
     ["Государственная академическая стипендия назначается по итогам сессии.",
      "Социальная стипендия назначается при предъявлении справки из органа социальной защиты."]),
    ("Материальная помощь", ["Как получить материальную помощь студенту?"],
     ["Материальная помощь оказывается по заявлению студента с приложением подтверждающих документов."]),
    ("Пересдача экзамена", ["Сколько раз можно пересдавать экзамен?", "Кто назначает комиссию для пересдачи?"],
     ["Студент вправе пересдать экзамен не более двух раз; вторая пересдача проходит перед комиссией."]),
    ("Расписание занятий", ["Почему расписание меняется без предупреждения?", "Где опубликовано расписание?"],
     ["Расписание занятий публикуется на официальном сайте не позднее чем за неделю до начала семестра."]),
    ("Стоимость обучения", ["Почему выросла стоимость обучения?", "Можно ли получить скидку на обучение?"],
     ["Стоимость обучения индексируется ежегодно с учётом уровня инфляции.",
      "Скидки предоставляются по положению о снижении стоимости платных образовательных услуг."]),
    ("Возврат оплаты", ["Как вернуть деньги за обучение после отчисления?"],
     ["Возврат оплаты за неоказанные услуги производится по заявлению в течение тридцати дней."]),
    ("Справка об обучении", ["Как получить справку об обучении для военкомата?", "Сколько делается справка?"],
     ["Справки об обучении выдаются в деканате в течение трёх рабочих дней."]),
    ("Диплом и дубликат", ["Как получить дубликат диплома?", "Что делать при ошибке в дипломе?"],
     ["Дубликат диплома выдаётся по заявлению выпускника с приложением документа об утрате."]),
    ("Приёмная кампания", ["Какие вступительные испытания на лингвистику?", "Когда начинается приём документов?"],
     ["Приём документов начинается 20 июня; перечень вступительных испытаний опубликован на сайте."]),
    ("Целевое обучение", ["Как поступить на целевое обучение?"],
     ["Целевой приём проводится в пределах квоты по договорам с заказчиками целевого обучения."]),
    ("Практика студентов", ["Кто выбирает место практики?", "Оплачивается ли производственная практика?"],
     ["Место практики определяется кафедрой; студент вправе предложить свою организацию."]),
    ("Военная кафедра", ["Как поступить в военный учебный центр?"],
     ["Отбор в военный учебный центр проводится по результатам медицинского освидетельствования."]),
    ("Библиотека", ["Почему библиотека закрыта по субботам?", "Как продлить книги в библиотеке?"],
     ["Библиотека работает по графику, утверждённому приказом; продление доступно в электронном каталоге."]),
    ("Столовая и питание", ["Почему в столовой высокие цены?", "Будет ли бесплатное питание для студентов?"],
     ["Цены в пунктах питания согласуются с профсоюзной организацией студентов."]),
    ("Пропускной режим", ["Почему не пускают в учебный корпус без пропуска?", "Как восстановить пропуск?"],
     ["Пропускной режим установлен в целях безопасности; утерянный пропуск восстанавливается за три дня."]),
    ("Доступная среда", ["Есть ли пандус в главном корпусе?", "Как обучаются студенты с инвалидностью?"],
     ["В учебных корпусах оборудованы пандусы; для студентов с инвалидностью разрабатываются индивидуальные планы."]),
    ("Физическая культура", ["Можно ли заменить физкультуру по медицинским показаниям?"],
     ["Студенты специальной медицинской группы занимаются по отдельной программе."]),
    ("Иностранные языки", ["Можно ли изучать второй иностранный язык бесплатно?"],
     ["Второй иностранный язык изучается в соответствии с учебным планом направления подготовки."]),
    ("Магистратура", ["Можно ли поступить в магистратуру по другому направлению?"],
     ["В магистратуру принимаются лица с высшим образованием любого уровня по результатам испытаний."]),
    ("Аспирантура", ["Как прикрепиться для подготовки диссертации?"],
     ["Прикрепление лиц для подготовки диссертации осуществляется на договорной основе."]),
    ("Отсрочка от армии", ["Дают ли отсрочку от призыва студентам магистратуры?"],
     ["Отсрочка от призыва предоставляется обучающимся по очной форме по имеющим аккредитацию программам."]),
    ("Оценки и апелляция", ["Как обжаловать оценку на экзамене?"],
     ["Апелляция подаётся в день объявления результатов; её рассматривает апелляционная комиссия."]),
    ("Ремонт общежития", ["Когда отремонтируют душевые в общежитии?", "В общежитии нет горячей воды"],
     ["Ремонт санитарных помещений общежития включён в план работ текущего года."]),
    ("Электронная информационная среда", ["Не работает личный кабинет студента", "Как получить доступ к Moodle?"],
     ["Доступ к электронной информационно-образовательной среде выдаётся при зачислении."]),
    ("Трудоустройство выпускников", ["Помогает ли университет с трудоустройством?"],
     ["Центр карьеры проводит ярмарки вакансий и консультирует выпускников."]),
]
FILLER = [
    "Обращение рассмотрено в установленный срок.", "Разъясняем порядок, установленный локальными актами.",
    "Подробная информация размещена на официальном сайте университета.",
    "По вопросам можно обратиться в студенческий офис в часы приёма.",
    "Решение принято с учётом мнения совета обучающихся.", "Соответствующий приказ доведён до сведения студентов.",
    "Просим учесть, что сроки подачи документов ограничены.", "Контроль исполнения возложен на проректора.",
    "Документы принимаются также в электронном виде.", "Порядок утверждён решением учёного совета.",
]
QUERIES = [
    "общежитие", "общежитии", "стипендия", "повышенная стипендия", "перевод на бюджет", "академический отпуск",
    "восстановление", "пересдача экзамена", "расписание", "стоимость обучения", "возврат денег",
    "справка военкомат", "дубликат диплома", "приём документов", "целевое обучение", "практика",
    "военный учебный центр", "библиотека", "столовая цены", "пропуск", "пандус", "физкультура",
    "иностранный язык", "магистратура", "аспирантура", "отсрочка", "апелляция оценка", "горячая вода",
    "личный кабинет", "трудоустройство", "материальная помощь", "социальная стипендия", "скидка на обучение",
    "ремонт душевых", "заселение", "оплата общежития", "комиссия", "заявление", "сроки", "приказ ректора",
]
ESSENCES = [
    "Здравствуйте! Я студентка второго курса, приехала из Томска, мне не дали место в общежитии, хотя обещали.",
    "Прошу разъяснить, почему мне не назначили повышенную стипендию, хотя я сдала сессию на отлично.",
    "Хочу перевестись с платного обучения на бюджет, подскажите, когда будет конкурс и какие документы нужны.",
    "В общежитии на третьем этаже уже месяц нет горячей воды, душевые в ужасном состоянии, примите меры.",
    "Меня отчислили три года назад, могу ли я восстановиться на третий курс и сколько это будет стоить?",
    "Сколько раз можно пересдавать экзамен по грамматике и кто входит в комиссию?",
    "Почему выросла стоимость обучения на 10 процентов, в договоре такого не было.",
    "Не могу попасть в личный кабинет студента, пароль не подходит, а сессия через неделю.",
    "Как получить справку об обучении для военкомата и дают ли отсрочку магистрантам?",
    "Прошу оказать материальную помощь, в семье трудная ситуация, я сирота.",
    "Расписание меняется каждую неделю без предупреждения, невозможно планировать работу.",
    "Можно ли заменить физкультуру другим занятием, у меня справка о специальной медицинской группе?",
]


def _cpu_loop() -> float:
    start = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i % 7
    return (time.perf_counter() - start) * 1000


def noise() -> dict[str, Any]:
    runs = sorted(_cpu_loop() for _ in range(15))
    return {"cpu_loop_ms_median": round(statistics.median(runs), 1), "cpu_loop_ms_max": round(runs[-1], 1),
            "loadavg": os.getloadavg()}


def generate(pages: int, seed: int) -> float:
    """Write `pages` published answers and their search vectors; return the seconds it took."""
    rng = random.Random(seed)
    topics = list(Topic.objects.offered()) or list(Topic.objects.all()[:50])
    now = timezone.now()
    started = time.perf_counter()
    PublishedAnswer.objects.all().delete()
    batch: list[PublishedAnswer] = []
    for n in range(pages):
        title, questions, answers = SUBJECTS[rng.randrange(len(SUBJECTS))]
        question = " ".join([rng.choice(questions), *rng.sample(FILLER, rng.randint(0, 3))])
        answer = " ".join([*rng.sample(answers, len(answers)), *rng.sample(FILLER, rng.randint(2, 8)),
                           rng.choice(answers)])
        batch.append(PublishedAnswer(
            topic=rng.choice(topics), title=f"{title}: {rng.choice(questions).rstrip('?')}"[:300],
            question=question, answer=answer, published_at=now - dt.timedelta(minutes=n * 7)))
        if len(batch) == 2000:
            PublishedAnswer.objects.bulk_create(batch)
            batch = []
    PublishedAnswer.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        # The same weighted document as services.refresh_search_vector, for every page at once.
        cursor.execute("""
            UPDATE publications_publishedanswer p SET search_vector =
                setweight(to_tsvector('russian'::regconfig, COALESCE(p.title, '')), 'A')
                || setweight(to_tsvector('russian'::regconfig, COALESCE(t.title, '')), 'B')
                || setweight(to_tsvector('russian'::regconfig, COALESCE(p.question, '')), 'B')
                || setweight(to_tsvector('russian'::regconfig, COALESCE(p.answer, '')), 'C')
            FROM classifiers_topic t WHERE t.id = p.topic_id""")
        cursor.execute("ANALYZE publications_publishedanswer")
    services.refresh_lexemes()
    return time.perf_counter() - started


def timed(client: Client, url: str, params_list: list[dict[str, str]], warmup: int, requests: int) -> dict[str, Any]:
    for i in range(warmup):
        client.get(url, params_list[i % len(params_list)])
    times, hits = [], []
    for i in range(requests):
        params = params_list[i % len(params_list)]
        start = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
        if url.endswith("/hints/"):
            hits.append(len(response.json()["results"]))
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, round(p / 100 * len(times)) - 1)], 1)

    result = {"requests": requests, "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
              "max_ms": round(times[-1], 1)}
    if hits:
        result["hints_per_request_mean"] = round(statistics.mean(hits), 2)
    return result


def explain(sql_of: str) -> list[str]:
    queryset = PublishedAnswer.objects.public()
    if sql_of == "search":
        words = services.query_words("перевод на бюджет")
        found = services._postgres_search(words, any_word=False, limit=20, queryset=queryset)
    else:
        words = services.query_words(ESSENCES[0])
        found = services._postgres_search(words, any_word=True, limit=5, queryset=queryset)
    del found
    sql = connection.queries[-1]["sql"] if connection.queries else ""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--reuse", action="store_true", help="keep the pages if the table holds --pages already")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run it on PostgreSQL: DATABASE_URL=postgres://...")
    settings.RATELIMIT_ENABLE = False
    before = noise()
    generated_s = None
    if not (args.reuse and PublishedAnswer.objects.public().count() == args.pages):
        generated_s = round(generate(args.pages, args.seed), 1)
    started = time.perf_counter()
    lexemes = services.refresh_lexemes()
    refresh_lexemes_s = round(time.perf_counter() - started, 2)
    client = Client()
    search = timed(client, "/answers/", [{"q": q} for q in QUERIES], args.warmup, args.requests)
    hints = timed(client, "/answers/hints/", [{"text": t} for t in ESSENCES], args.warmup, args.requests)
    # The bare service calls, without the HTTP stack.
    service: dict[str, list[float]] = {"search": [], "hints": []}
    for i in range(args.requests // 4):
        start = time.perf_counter()
        services.search(QUERIES[i % len(QUERIES)], limit=20)
        service["search"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        services.hints(ESSENCES[i % len(ESSENCES)])
        service["hints"].append((time.perf_counter() - start) * 1000)
    service_p95 = {kind: round(sorted(values)[int(len(values) * 0.95) - 1], 1) for kind, values in service.items()}
    from django.test.utils import CaptureQueriesContext

    plans = {}
    for kind in ("search", "hints"):
        with CaptureQueriesContext(connection):
            plans[kind] = explain(kind)
    after = noise()
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": platform.node(), "python": platform.python_version(),
        "pages": PublishedAnswer.objects.public().count(), "generated_s": generated_s,
        "lexemes": lexemes, "refresh_lexemes_s": refresh_lexemes_s,
        "search": search, "hints": hints, "service_p95_ms": service_p95,
        "plans": plans, "noise_before": before, "noise_after": after,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"publications-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "plans"}, ensure_ascii=False, indent=2))
    for kind, plan in plans.items():
        print(f"--- {kind}")
        print("\n".join(plan))
    print(path)


if __name__ == "__main__":
    main()
