"""The template language of letters: the engine, the variables of each kind, the check on save.

Letters are plain text, so the engine does not escape HTML (the HTML e-mail is
made from the rendered text afterwards, escaping it then). It knows the
built-in tags and filters plus i18n and l10n, and nothing that reads files.

Context variables, common to every kind:

- ``appeal``: the appeals.Appeal: number, received_at, registered_at (may be
  None), last_name, first_name, patronymic, address, postal_index, email,
  reply_method ("email" or "post"), topic_code, topic_title, text;
- ``appeal_date``: the date the letter cites the appeal by: registration, else receipt;
- ``appeal_source``: for an appeal another body sent on, «из Министерства … (исх. № … от …)», else empty;
- ``institution``: classifiers.Institution: short_name, full_name,
  full_postal_address, email, website, phone;
- ``citizen_name``: name and patronymic, «Мария Петровна» (name and surname without a patronymic);
- ``salutation``: «Уважаемая Мария Петровна!» («Здравствуйте, …!» when the gender is unknown);
- ``portal_url``, ``status_url``: the portal and the appeal's status page;
- ``signer_name``, ``signer_position``: who signs (art. 10 part 3), may be empty in automatic notices;
- ``outgoing_number``, ``outgoing_date``: the letter's own registration, may be empty;
- ``executor``: «Исп. Петров П. П., +7 …», printed at the foot of a paper letter.

Per kind (see KIND_VARIABLES): ``body`` (the other body: .name,
.postal_address, .email), ``due_date``, ``reason``, ``published_url``, ``answer_text``.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import translation

COMMON_VARIABLES: list[tuple[str, str]] = [
    ("appeal.number", "регистрационный номер обращения"),
    ("appeal_date", "дата обращения для ссылок: регистрации, а если её нет — поступления; "
     '{{ appeal_date|date:"j E Y" }} г.'),
    ("appeal_source", "для обращения, переадресованного другим органом: «из Министерства … (исх. № … от …)»; "
     "для остальных пусто"),
    ("appeal.received_at, appeal.registered_at",
     "поступило, зарегистрировано (дата и время; второе может быть пустым)"),
    ("appeal.last_name, appeal.first_name, appeal.patronymic", "фамилия, имя, отчество заявителя"),
    ("appeal.address, appeal.postal_index, appeal.email", "почтовый адрес, индекс, электронная почта"),
    ("appeal.reply_method", "способ ответа: email или post"),
    ("appeal.topic_code, appeal.topic_title, appeal.text", "тематика (код и наименование), текст обращения"),
    ("institution.short_name, institution.full_name", "наименование учреждения, краткое и полное"),
    ("institution.full_postal_address, institution.email, institution.website, institution.phone",
     "почтовый адрес с индексом, электронная почта, сайт, телефон учреждения"),
    ("citizen_name", "имя и отчество заявителя: «Мария Петровна»"),
    ("salutation", "обращение: «Уважаемая Мария Петровна!»"),
    ("portal_url, status_url", "адрес портала и страницы, где проверяют ход рассмотрения"),
    ("signer_position, signer_name", "должность и ФИО подписывающего (могут быть пустыми)"),
    ("outgoing_number, outgoing_date", "исходящий номер и дата письма (могут быть пустыми)"),
    ("executor", "исполнитель и его телефон (печатается внизу бумажного письма)"),
]

BODY = ("body.name, body.postal_address, body.email", "орган, которому направляется письмо")
KIND_VARIABLES: dict[str, list[tuple[str, str]]] = {
    "acknowledgement": [],
    "registered": [("due_date", "срок ответа (дата)")],
    "redirect": [BODY],
    "redirect_body": [BODY],
    "copies": [("bodies", "органы, которым направлены копии: у каждого name, postal_address, email")],
    "copies_body": [BODY],
    "complaint_returned": [("reason", "чьё решение или действие обжалуется")],
    "art11_part1_forward": [BODY],
    "art11_part2": [],
    "art11_part3": [],
    "art11_part4": [],
    "art11_part4_1": [],
    "art11_part5": [("reason", "основание: даты и номера прежних ответов по существу")],
    "art11_part5_1": [("published_url", "адрес страницы с опубликованным ответом")],
    "art11_part6": [],
    "extension": [("due_date", "новый срок ответа (дата)"), ("reason", "причина продления")],
    "documents_request": [BODY, ("reason", "какие документы и материалы нужны и для чего")],
    "withdrawn": [],
    "answer": [("answer_text", "текст ответа по существу, написанный исполнителем")],
    "access_code": [("access_code", "новый код доступа (старый больше не действует)")],
}

_ENGINE = Engine(
    autoescape=False,
    # The marker makes a misspelt variable visible to the check on save;
    # real letters are rendered with the default (an empty string).
    libraries={"i18n": "django.templatetags.i18n", "l10n": "django.templatetags.l10n"},
)
_CHECK_ENGINE = Engine(
    autoescape=False,
    string_if_invalid="\x00%s\x00",
    libraries={"i18n": "django.templatetags.i18n", "l10n": "django.templatetags.l10n"},
)
_INVALID = re.compile("\x00([^\x00]*)\x00")


def compile_template(source: str, *, check: bool = False) -> Template:
    """Compile a letter template; raise TemplateSyntaxError."""
    return (_CHECK_ENGINE if check else _ENGINE).from_string(source)


def render_template(template: Template, context: dict[str, Any]) -> str:
    # Letters are Russian whatever language the request or the worker runs in:
    # month names in dates come out in the genitive («2 мая 2006»).
    with translation.override(settings.LANGUAGE_CODE):
        return template.render(Context(context, autoescape=False))


def variables_help(kind: str) -> list[tuple[str, str]]:
    """Return (variable, description) pairs available to this kind: its own first."""
    return KIND_VARIABLES.get(kind, []) + COMMON_VARIABLES


def sample_context(kind: str) -> dict[str, Any]:
    """A full context of made-up values, as a caller would pass it for this kind."""
    from django.utils import timezone

    from appeals.models import Appeal
    from classifiers.models import Institution, Topic

    received = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 15))
    appeal = Appeal(
        number="ОГ-2026-000042",
        year=2026,
        sequence=42,
        received_at=received,
        registered_at=received + dt.timedelta(days=1),
        topic=Topic(code="0000.0000.0000.0272", title="Платное образование", level=4),
        topic_code="0000.0000.0000.0272",
        topic_title="Платное образование",
        kind="primary",
        text="Прошу разъяснить порядок перевода на бюджетное место.",
        last_name="Иванова",
        first_name="Мария",
        patronymic="Петровна",
        address="г. Москва, ул. Остоженка, д. 1, кв. 2",
        postal_index="119034",
        phone="+7 916 123-45-67",
        email="maria.ivanova@mail.ru",
        reply_method="email",
    )
    institution = Institution(
        short_name="ФГБОУ ВО МГЛУ",
        full_name="Федеральное государственное бюджетное образовательное учреждение высшего образования "
        "«Московский государственный лингвистический университет»",
        postal_address="г. Москва, ул. Остоженка, д. 38, стр. 1",
        postal_index="119034",
        email="info@linguanet.ru",
        website="https://www.linguanet.ru",
        phone="+7 499 245-30-02",
    )
    context: dict[str, Any] = {
        "appeal": appeal,
        "appeal_date": dt.date(2026, 3, 3),
        "appeal_source": "из Министерства науки и высшего образования Российской Федерации "
                         "(исх. № МН-12/345 от 27 февраля 2026 г.)",
        "institution": institution,
        "citizen_name": "Мария Петровна",
        "salutation": "Уважаемая Мария Петровна!",
        "portal_url": "https://priem.example.ru",
        "status_url": "https://priem.example.ru/status/",
        "signer_name": "И. И. Петров",
        "signer_position": "Проректор",
        "outgoing_number": "01-12/345",
        "outgoing_date": dt.date(2026, 3, 10),
        "executor": "Исп. Сидорова А. А., +7 499 245-30-02",
    }
    samples: dict[str, Any] = {
        "body": SimpleNamespace(
            name="Министерство науки и высшего образования Российской Федерации",
            postal_address="125009, г. Москва, ул. Тверская, д. 11, стр. 1",
            email="info@minobrnauki.gov.ru",
        ),
        "due_date": dt.date(2026, 4, 2),
        "reason": "необходимость получить документы из другого органа",
        "published_url": "https://www.linguanet.ru/answers/1/",
        "answer_text": "Перевод на бюджетное место проводится в порядке, установленном локальным актом.",
        "access_code": "K7QM-2WXD-9FHT",
        "bodies": [
            SimpleNamespace(name="Министерство науки и высшего образования Российской Федерации",
                            postal_address="125009, г. Москва, ул. Тверская, д. 11, стр. 1", email=""),
            SimpleNamespace(name="Департамент образования и науки города Москвы",
                            postal_address="129090, г. Москва, Большая Спасская ул., д. 15", email=""),
        ],
    }
    for variable, _description in KIND_VARIABLES.get(kind, []):
        name = variable.split(".", 1)[0]
        context[name] = samples[name]
    return context


def template_errors(kind: str, *, subject: str, body: str) -> dict[str, str]:
    """Return {field: message in Russian} for a subject or body that cannot be used."""
    errors: dict[str, str] = {}
    context = sample_context(kind)
    for field, source in (("subject", subject), ("body", body)):
        try:
            rendered = render_template(compile_template(source, check=True), context)
        except TemplateSyntaxError as exc:
            errors[field] = f"Ошибка в шаблоне: {exc}"
            continue
        except Exception as exc:  # any failure on render would fail the real letter the same way
            errors[field] = f"Шаблон не удаётся заполнить: {type(exc).__name__}: {exc}"
            continue
        unknown = sorted(set(_INVALID.findall(rendered)))
        if unknown:
            errors[field] = "Неизвестные переменные: " + ", ".join(unknown) + ". Список доступных — ниже."
        elif field == "subject" and "\n" in rendered.strip():
            errors[field] = "Тема должна быть одной строкой."
    return errors
