"""Django admin for appeals: the officials' lists, the appeal's page with its steps, the access log.

Everything an official sees of an appeal goes through
services.access.visible_appeals (art. 6 of 59-FZ: an executor sees the
appeals of their departments); every change goes through
services.handling (the step pages live in appeals.views.staff).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Collate, Substr
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from appeals.models import (
    AccessLogEntry,
    Answer,
    AnswerFile,
    Appeal,
    AppealEvent,
    AppealKind,
    AppealQuestion,
    Art11Case,
    Department,
    DocumentRequest,
    QuestionResult,
    StaffProfile,
    surname_key,
)
from appeals.services import access, handling, terms, worklists
from appeals.services.intake import AppealError
from appeals.signals import collect_panels
from appeals.staff_forms import AssignSelectedForm
from appeals.validators import normalize_phone
from appeals.views import staff

logger = logging.getLogger(__name__)

admin.site.site_header = _("Интернет-приёмная: обращения граждан")
admin.site.site_title = _("Обращения граждан")
admin.site.index_title = _("Работа с обращениями")

SOON_DAYS = worklists.SOON_DAYS

# The history's dotted action codes as officials read them.
ACTION_LABELS: dict[str, Any] = {
    "appeal.received": _("Поступило через сайт"),
    "appeal.entered": _("Внесено регистратором"),
    "appeal.registered": _("Зарегистрировано"),
    "appeal.assigned": _("Направлено на рассмотрение"),
    "appeal.complaint_subject": _("Указан объект жалобы"),
    "appeal.linked": _("Связано с прежними обращениями"),
    "appeal.redirected": _("Переадресовано по компетенции"),
    "appeal.copies_sent": _("Копии направлены в другие органы (ч. 4 ст. 8)"),
    "appeal.complaint_returned": _("Жалоба возвращена: некому направить (ч. 7 ст. 8)"),
    "appeal.art11.part1": _("Без ответа: не указаны фамилия или адрес (ч. 1 ст. 11)"),
    "appeal.art11.part2": _("Возвращено: обжалуется судебное решение (ч. 2 ст. 11)"),
    "appeal.art11.part3": _("Без ответа: оскорбительные выражения, угрозы (ч. 3 ст. 11)"),
    "appeal.art11.part4": _("Без ответа: текст не поддаётся прочтению (ч. 4 ст. 11)"),
    "appeal.art11.part4_1": _("Без ответа: не позволяет определить суть (ч. 4.1 ст. 11)"),
    "appeal.art11.part5": _("Переписка прекращена (ч. 5 ст. 11)"),
    "appeal.art11.part5_1": _("Сообщён адрес опубликованного ответа (ч. 5.1 ст. 11)"),
    "appeal.art11.part6": _("Ответ невозможен без разглашения тайны (ч. 6 ст. 11)"),
    "appeal.documents_requested": _("Запрошены документы"),
    "appeal.documents_received": _("Получен ответ на запрос"),
    "appeal.extended": _("Срок продлён"),
    "appeal.extension_requested": _("Исполнитель запросил продление срока"),
    "appeal.extension_declined": _("В продлении срока отказано"),
    "appeal.withdrawn": _("Отозвано заявителем"),
    "answer.drafted": _("Подготовлен проект ответа"),
    "answer.submitted": _("Ответ передан на подпись"),
    "answer.returned": _("Ответ возвращён на доработку"),
    "answer.signed": _("Ответ подписан и направлен"),
    # Written by the feedback app (the citizen's satisfaction), through record().
    "feedback.answered": _("Заявитель оценил ответ"),
    "feedback.detailed": _("Заявитель дополнил оценку ответа"),
    "feedback.reviewed": _("Руководитель рассмотрел оценку заявителя"),
    "appeal.access_code_issued": _("Выдан новый код доступа"),
    "appeal.kind_changed": _("Изменён вид обращения"),
    "appeal.question_added": _("Добавлен вопрос"),
}


# Outbox kinds that are not letters of the letters app.
MESSAGE_KIND_LABELS = {
    "appeals.confirmation": _("Подтверждение адреса электронной почты"),
    "appeals.acknowledgement": _("Обращение поступило"),
    "staff.reminder_due": _("Напоминание о сроке"),
    "staff.reminder_missed": _("Срок пропущен"),
    "staff.overdue_digest": _("Сводка просроченных обращений"),
}


def message_kind_label(kind: str) -> str:
    """An outbox message's kind as officials read it: «Уведомление о переадресации …»."""
    from letters.models import LetterKind

    if kind.startswith("letters.") and kind.removeprefix("letters.") in LetterKind.values:
        return str(LetterKind(kind.removeprefix("letters.")).label)
    return str(MESSAGE_KIND_LABELS.get(kind, kind))


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


# History keys that are not fields of the appeal.
EXTRA_FIELD_LABELS = {
    "length": _("длина текста, знаков"),
    "body": _("орган"),
    "due": _("срок"),
    "answered_on": _("ответ получен"),
    "linked_appeals": _("связанные обращения"),
    "copies_to": _("копии направлены"),
    "added_files": _("добавлены приложения"),
    "removed_files": _("убраны приложения"),
    "part1_missing": _("не указаны (ч. 1 ст. 11)"),
    "part1_reason": _("почему указанное не является фамилией или адресом (ч. 1 ст. 11)"),
    "earlier_answers": _("учтённые прежние ответы по существу (ч. 5 ст. 11)"),
    "questions": _("результаты по вопросам"),
    "answer_text": _("текст ответа"),
    "resolved": _("ответ решил вопрос"),
    "mark": _("оценка"),
    "sent": _("направлен"),
    # The entry of paper, redirected and collective appeals (issue 10 item 5).
    "redirected_from": _("переадресовано"),
    "coauthors": _("соавторов"),
    # A step taken on a suggestion (issue 12 item 5).
    "question": _("вопрос"),
    "source": _("основание действия"),
}

CHECK_NAMES = {
    "checked_by_commission": _("комиссионно"),
    "checked_on_site": _("с выездом на место"),
    "checked_with_applicant": _("с участием заявителя"),
}
RESOLVED_NAMES = {"yes": _("да"), "partly": _("частично"), "no": _("нет")}


def _question_note(row: dict[str, Any]) -> str:
    """One question's outcome as the history keeps it (services.handling._outcomes_note), in words."""
    result = str(row.get("result", ""))
    parts = [f"{row.get('question', '')}: {dict(QuestionResult.choices).get(result, result)}"]
    if row.get("cause"):
        parts.append(gettext("причина — %(cause)s") % {"cause": row["cause"]})
    if row.get("measures"):
        parts.append(gettext("меры — %(measures)s") % {"measures": ", ".join(row["measures"])})
    if row.get("checked"):
        parts.append(gettext("проверено %(how)s") % {
            "how": ", ".join(str(CHECK_NAMES.get(name, name)) for name in row["checked"])})
    return "; ".join(parts)


def _field_label(name: str) -> str:
    if name in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[name])
    try:
        field = Appeal._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def _value_label(name: str, value: Any) -> str:
    """A stored history value as officials read it: a status by its name, a date as dd.mm.yyyy."""
    if value in (None, "", []):
        return "—"
    if name == "status":
        return str(dict(Appeal.Status.choices).get(value, value))
    if name == "art11_case":
        return str(dict(Art11Case.choices).get(value, value))
    if name == "questions" and isinstance(value, list):
        return " | ".join(_question_note(row) for row in value if isinstance(row, dict))
    if name == "resolved":
        return str(RESOLVED_NAMES.get(value, value))
    if name == "kind":
        return str(dict(AppealKind.choices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return f"{moment:%d.%m.%Y}"
        return f"{timezone.localtime(moment) if timezone.is_aware(moment) else moment:%d.%m.%Y %H:%M}"
    return str(value)


def event_changes(event: AppealEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) of what the step changed; unchanged values are left out."""
    rows = []
    for key in dict.fromkeys([*event.before, *event.after]):
        before, after = event.before.get(key), event.after.get(key)
        if before != after:
            rows.append((_field_label(key), _value_label(key, before), _value_label(key, after)))
    return rows


def due_marker(due: Any, *, today: Any = None) -> SafeString | str:
    """A due date with its state in words and a CSS class: colour is never the only sign."""
    if due is None:
        return "—"
    today = today or timezone.localdate()
    left = (due - today).days
    if left < 0:
        css, note = "due-overdue", gettext("просрочено")
    elif left <= SOON_DAYS:
        css = "due-soon"
        note = gettext("сегодня") if left == 0 else ngettext(
            "осталось %(n)d день", "осталось %(n)d дн.", left) % {"n": left}
    else:
        return f"{due:%d.%m.%Y}"
    return format_html('<span class="due {}">{} <small>({})</small></span>', css, f"{due:%d.%m.%Y}", note)


def satisfaction_text(appeal: Appeal) -> str:
    """The citizen's answer to «Ответ решил ваш вопрос?», or where the asking stands.

    The feedback app keeps it; the core reads its row by the reverse
    accessor, when the app is installed, without importing it.
    """
    if not apps.is_installed("feedback"):
        return "—"
    request = apps.get_model("feedback", "SatisfactionRequest").objects.filter(appeal=appeal).first()
    if request is None:
        return gettext("заявитель ещё не опрошен") if appeal.status == Appeal.Status.ANSWERED else "—"
    if request.status == "asked":
        return gettext("вопрос задан, ответа нет")
    if request.status == "expired":
        return gettext("не ответил в срок")
    text = str(RESOLVED_NAMES.get(request.resolved, request.resolved))
    if request.mark is not None:
        text += gettext(", оценка %(mark)d из 5") % {"mark": request.mark}
    return text


def analysis_rows(appeal: Appeal) -> list[dict[str, Any]]:
    """The complaint-analysis table of the practice file, one row per question.

    Date, applicant, kind, question, cause, decision (the ССТУ result, the
    measures and how it was checked), result (the citizen's satisfaction).
    """
    questions = list(AppealQuestion.objects.filter(appeal=appeal).select_related("cause")
                     .prefetch_related("measures"))
    if not questions:
        return []
    moment = appeal.registered_at or appeal.received_at
    satisfaction = satisfaction_text(appeal)
    rows = []
    for question in questions:
        decision = [question.get_result_display()]
        if question.measures_taken:
            names = ", ".join(measure.title for measure in question.measures.all())
            decision.append(gettext("меры приняты: %(measures)s") % {"measures": names or "—"})
        checks = [str(label) for name, label in CHECK_NAMES.items() if getattr(question, name)]
        if checks:
            decision.append(gettext("проверено %(how)s") % {"how": ", ".join(checks)})
        rows.append({
            "date": timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date(),
            "applicant": appeal.short_name,
            "kind": appeal.get_kind_display(),
            "question": f"{question.topic_code} {question.topic_title}",
            "cause": str(question.cause) if question.cause_id else "—",
            "decision": "; ".join(str(part) for part in decision),
            "result": satisfaction,
        })
    return rows


# --- list filters -------------------------------------------------------------
class AttentionFilter(admin.SimpleListFilter):
    """«Что требует внимания»: the worklists of services.worklists (the front page links here)."""

    title = _("что требует внимания")
    parameter_name = "attention"

    LABELS: dict[str, Any] = {
        "overdue": _("просрочено"),
        "soon": _("срок в ближайшие 3 дня"),
        "decision": _("не принято решение по 7-дневному сроку"),
        "unregistered_late": _("не зарегистрировано более 2 дней"),
        "decision_late": _("нет решения более 5 дней после регистрации"),
        "not_registered": _("не зарегистрировано"),
        "entered_today": _("внесено с бумаги сегодня"),
        "new": _("новое, ответ не начат"),
        "returned": _("ответ возвращён на доработку"),
        "week": _("срок на этой неделе"),
        "on_approval": _("ответ на подписи"),
        "extension_requested": _("запрошено продление срока"),
        "extension_declined": _("в продлении срока отказано"),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(key, self.LABELS.get(key, key)) for key in worklists.WORKLISTS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> QuerySet[Appeal] | None:
        worklist = worklists.WORKLISTS.get(self.value() or "")
        return worklist(queryset) if worklist is not None else queryset


class TimelinessFilter(admin.SimpleListFilter):
    """«Сроки»: how registration, the 7-day decision and the answer kept their terms (the reports link here)."""

    title = _("соблюдение сроков")
    parameter_name = "term"

    LABELS: dict[str, Any] = {
        "registered_on_time": _("зарегистрировано в срок"),
        "registered_late": _("зарегистрировано с нарушением срока"),
        "decided_on_time": _("решение по 7-дневному сроку в срок"),
        "decided_late": _("решение по 7-дневному сроку с нарушением"),
        "answered_on_time": _("ответ в срок"),
        "answered_late": _("ответ с нарушением срока"),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(key, self.LABELS.get(key, key)) for key in worklists.TIMELINESS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> QuerySet[Appeal] | None:
        condition = worklists.TIMELINESS.get(self.value() or "")
        return queryset.filter(condition) if condition is not None else queryset


class DepartmentFilter(admin.SimpleListFilter):
    """The departments the user may see (a handful of rows, no count)."""

    title = _("подразделение")
    parameter_name = "department"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        user: Any = request.user
        departments = Department.objects.all()
        if not access.sees_all(user):
            departments = departments.filter(members=user)
        return [("none", gettext("не направлено")), ("mine", gettext("мои подразделения")),
                *((str(d.pk), str(d)) for d in departments)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> QuerySet[Appeal] | None:
        value = self.value()
        if value == "none":
            return queryset.filter(department__isnull=True)
        if value == "mine":
            # A head of no department answers for all of them (worklists.head_departments).
            departments = worklists.head_departments(request.user)
            return queryset if departments is None else queryset.filter(department_id__in=departments)
        if value and value.isdigit():
            return queryset.filter(department_id=int(value))
        return queryset


class ExecutorFilter(admin.SimpleListFilter):
    """Executors of the user's departments only: never a list of every account."""

    title = _("исполнитель")
    parameter_name = "executor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        user = request.user
        if access.sees_all(user):
            members = staff.sf.department_members()
        else:
            members = staff.sf.department_members().filter(departments__members=user).distinct()
        choices = [("me", gettext("мне"))]
        choices += [(str(m.pk), m.get_full_name() or m.get_username()) for m in members[:200]]
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> QuerySet[Appeal] | None:
        value = self.value()
        if value == "me":
            return queryset.filter(executor_id=request.user.pk)
        if value and value.isdigit():
            return queryset.filter(executor_id=int(value))
        return queryset


# --- the appeal ---------------------------------------------------------------------
def _number_parts(term: str) -> re.Match[str] | None:
    """«ОГ-2026-0001» → year 2026, digits «0001»; None when the term is not a number with its year."""
    prefix = re.escape(settings.APPEALS_NUMBER_PREFIX.upper())
    return re.match(rf"^{prefix}-(?P<year>\d{{4}})(?:-(?P<digits>\d{{0,6}}))?$", term)


PHONE_LIKE = re.compile(r"^\+?[\d\s()\-]{10,20}$")
WORD = re.compile(r"\w+")


def _search_kind(search_term: str) -> tuple[str, str]:
    """("number" | "outgoing" | "phone" | "email" | "surname" | "text" | "none", the term) for the search box.

    One word without digits is the start of a surname, or words of the text
    when no surname starts so (get_search_results); two words or more are
    words of the text.
    """
    term = search_term.strip()
    upper = term.upper()
    if not term:
        return "none", upper
    if upper.startswith(settings.APPEALS_NUMBER_PREFIX.upper()):
        return "number", upper
    if upper.startswith(settings.APPEALS_OUTGOING_PREFIX.upper() + "-"):
        return "outgoing", upper
    if "@" in term:
        return "email", term
    if PHONE_LIKE.match(term) and sum(char.isdigit() for char in term) >= 10:
        return "phone", term
    if any(char.isdigit() for char in term):
        return "number", upper
    if len(WORD.findall(term)) > 1:
        return "text", term
    return "surname", upper


def text_search(queryset: QuerySet[Appeal], term: str) -> QuerySet[Appeal]:
    """Appeals whose text has all the words (any grammatical form on PostgreSQL).

    PostgreSQL: full-text search with the Russian configuration, on the GIN
    index appeal_text_fts_idx (migration 0015_officials_list_search), whose
    expression is the one SearchVector compiles to. SQLite: every word as a
    substring (a development fallback: it scans).
    """
    words = WORD.findall(term)
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        vector = SearchVector("text", config="russian")
        return queryset.alias(text_vector=vector).filter(
            text_vector=SearchQuery(" ".join(words), config="russian", search_type="plain"))
    for word in words:
        queryset = queryset.filter(text__icontains=word)
    return queryset


class AppealChangeList(ChangeList):
    """The appeals list, reading only the columns it shows.

    A page of search results is sorted in PostgreSQL with its rows; without
    the citizen's text and the identification columns a row is a fraction
    of its size, and the sort of thousands of matches stays in memory.
    """

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Appeal]:
        # The first words of the text and the topic's short title are cut in
        # the query (SUBSTR): the whole text column is never read for a list.
        return super().get_queryset(request, exclude_parameters).defer(*LIST_DEFERRED).annotate(
            text_start=Substr("text", 1, TEXT_START), topic_short=Substr("topic_title", 1, TOPIC_SHORT),
        )


TEXT_START = 90  # characters of the text shown in the list
TOPIC_SHORT = 40


# Columns the list never shows.
LIST_DEFERRED = (
    "text", "address", "phone", "email", "identified_as", "identification_method", "access_code_hash",
    "extension_reason", "extension_requested_reason", "topic_title", "consent_at",
)


# The step a row offers straight from the list (issue 10: fewer clicks), by
# state and rights alone, with no query a row; the step's page checks again.
ROW_STEPS: tuple[tuple[str, tuple[str, ...], Any], ...] = (
    (Appeal.Status.RECEIVED, ("register_appeal", "assign_appeal"), "register_assign"),
    (Appeal.Status.REGISTERED, ("assign_appeal",), "assign"),
    (Appeal.Status.IN_WORK, ("draft_answer",), "draft_answer"),
    (Appeal.Status.ON_APPROVAL, ("sign_answer",), "sign_answer"),
)


def next_step_column(user: Any) -> Any:
    """The list's «следующий шаг» column for this user: a link to the step's form, or nothing."""
    rights = {name: user.has_perm(f"appeals.{name}") for _s, names, _c in ROW_STEPS for name in names}
    titles = {code: str(staff.STEP_ACTIONS[code].title) for _s, _n, code in ROW_STEPS}

    @admin.display(description=_("шаг"))
    def next_step(appeal: Appeal) -> SafeString | str:
        for status, names, code in ROW_STEPS:
            if appeal.status != status or not all(rights[name] for name in names):
                continue
            if code == "draft_answer" and appeal.executor_id not in (None, user.pk):
                continue
            return format_html('<a class="button row-step" href="{}" data-row-step="{}">{}</a>',
                               reverse("admin:appeals_appeal_step", args=[appeal.pk, code]), code, titles[code])
        return ""

    return next_step


class CappedCountPaginator(Paginator):
    """A paginator that counts at most COUNT_CAP rows.

    The admin counts its list for the page links; over a million appeals an
    exact COUNT(*) costs more than the page itself. Officials narrow a long
    list with filters and search; past the cap the list says «более 10 000».
    """

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        # A sliced queryset counts as SELECT COUNT(*) FROM (... LIMIT n); the
        # order does not change a count, and without it nothing is sorted.
        # Only the key: the list's annotations (the text's first words) are
        # not computed for the rows counted.
        return self.object_list.order_by().values("pk")[: self.COUNT_CAP + 1].count()  # type: ignore[attr-defined]

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP

    def page(self, number: Any) -> Any:
        """The page's rows in two steps: their keys in the list's order, then the rows.

        A filter that matches a few thousand appeals («не принято решение»)
        otherwise makes PostgreSQL fetch every match with the row's columns
        and the text's first words, and sort them all, to keep fifty. The
        keys alone come off the filter's index; only the page's rows are
        read in full (bench/README.md, "Headroom").
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])  # type: ignore[attr-defined]
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}  # type: ignore[attr-defined]
        return self._get_page([rows[key] for key in keys if key in rows], number, self)  # type: ignore[attr-defined]


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    paginator = CappedCountPaginator

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AppealChangeList
    # The due date and the state come first: they decide what an official
    # does next. The reply method and the files are on the appeal's page.
    # Fits 1280 px with the sidebar and the filters (css/admin-appeals.css);
    # the date of receipt and the kind are on the appeal's page.
    # Two things share a cell where one is the other's detail: the state and
    # the user's next step, the applicant and the first words of the text,
    # the department and the executor.
    list_display = ("number", "due", "status_column", "applicant_column", "topic_column", "handled_by")
    # Facet counts would run one COUNT per filter value over the whole table.
    show_facets = admin.ShowFacets.NEVER
    list_filter = (AttentionFilter, "status", DepartmentFilter, ExecutorFilter, "channel", "kind", "is_collective",
                   "reply_method", TimelinessFilter)
    # The reports link to the appeals behind a figure by their questions and
    # satisfaction answers too (reports.reports); the list stays scoped.
    REPORT_LOOKUPS = frozenset({
        "questions__isnull", "questions__topic_code", "questions__topic_code__startswith", "questions__result",
        "questions__measures_taken", "questions__cause", "questions__cause__isnull",
        "satisfaction__status", "satisfaction__resolved", "satisfaction__asked_at__gte", "satisfaction__asked_at__lt",
    })
    # See get_search_results: the number or the start of the surname.
    search_fields = ("number",)
    search_help_text = _("Поиск по началу регистрационного номера или фамилии заявителя, по электронной почте, "
                         "телефону, исходящему номеру ответа или словам текста обращения.")
    list_select_related = ("topic", "department", "executor")
    list_per_page = 50
    # The admin counts the whole table only for "N of M" after a search; a
    # million rows make that count slow and it adds little.
    show_full_result_count = False
    # What needs action first: open appeals by the nearest due date (closed
    # ones have none), then the newest. Served by appeal_open_due_idx.
    ordering = (F("next_due").asc(nulls_last=True), "-received_at")
    actions = ("register_selected", "assign_selected", "sign_selected")
    change_form_template = "admin/appeals/appeal/change_form.html"
    readonly_fields = (
        "number", "status", "channel", "received_at", "registered_at", "registered_by",
        "department", "executor", "closed_at", "art11_case", "redirected_to",
        "complaint_against_body", "complaint_against_department", "complaint_against_user",
        "last_name", "first_name", "patronymic", "address", "postal_index", "phone", "email", "reply_method",
        "topic_code", "topic_title", "kind", "text", "attachment_count",
        "identification_method", "identified_as", "consent_at",
        # Paper, redirected and collective appeals (issue 10 item 5).
        "source_citation_display", "sheets", "enclosures", "enclosure_sheets", "organisation", "is_collective",
        "coauthors_display",
    )
    fieldsets = (
        (_("Обращение"), {"fields": (
            "number", "status", "channel", "received_at", "registered_at", "registered_by",
            "department", "executor", "closed_at", "art11_case", "redirected_to",
        )}),
        (_("Жалоба на действия"), {"classes": ("collapse",), "fields": (
            "complaint_against_body", "complaint_against_department", "complaint_against_user",
        )}),
        (_("Заявитель"), {"fields": (
            "last_name", "first_name", "patronymic", "address", "postal_index", "phone", "email", "reply_method",
            "organisation", "is_collective", "coauthors_display",
        )}),
        (_("Поступление на бумаге"), {"fields": (
            "source_citation_display", "sheets", "enclosures", "enclosure_sheets",
        )}),
        (_("Содержание"), {"fields": ("topic_code", "topic_title", "kind", "text", "attachment_count")}),
        (_("Идентификация и согласие"), {"fields": ("identification_method", "identified_as", "consent_at")}),
    )

    class Media:
        css = {"all": ("css/admin-appeals.css",)}

    # --- paper, redirected and collective appeals ----------------------------
    @admin.display(description=_("переадресовано"))
    def source_citation_display(self, obj: Appeal) -> str:
        return obj.source_citation or "—"

    @admin.display(description=_("соавторы"))
    def coauthors_display(self, obj: Appeal) -> str:
        # Seen on the appeal's own page only, whose view is logged (AccessLogEntry) like the applicant's data.
        rows = [
            ", ".join(part for part in (author.full_name, author.postal_index, author.address) if part)
            for author in obj.coauthors.all()
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows)) if rows else "—"

    # --- scoping -------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Appeal]:
        return access.visible_appeals(request.user, super().get_queryset(request))

    def has_view_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or access.can_see(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # "Add" is the entry of an appeal that came by post, in person or through ПОС.
        return request.user.has_perm("appeals.enter_appeal")

    def has_change_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False  # the appeal changes only through its steps (services.handling)

    def has_delete_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False  # nothing is deleted: files are kept 5 years, then destroyed by an act

    def has_register_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("appeals.register_appeal")

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("appeals.assign_appeal")

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> HttpResponse:
        # Django sends a missing object to the index with a message; an appeal
        # of another department must look the same as one that does not exist.
        raise Http404

    # --- the list --------------------------------------------------------------
    def action_checkbox(self, obj: Appeal) -> SafeString:
        """The row's checkbox, the same markup as the admin's own.

        The admin renders a CheckboxInput through the form renderer's
        templates for each of the 50 rows: a third of the list's rendering
        time (bench/README.md, "Headroom"). The test compares the two.
        """
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           ACTION_CHECKBOX_NAME, str(obj.pk), label)

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest) -> bool:
        # Only these: a free lookup through a relation could probe fields the list never shows.
        if lookup in self.REPORT_LOOKUPS:
            return True
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Appeal], search_term: str
    ) -> tuple[QuerySet[Appeal], bool]:
        """Find by the start of the number («ОГ-2026-0001») or of the surname («семенов»).

        Both are prefix matches on indexed columns; the admin's default
        search (icontains on several fields) would scan a million rows. A
        number with its year is searched as a range of (year, sequence), on
        the unique index of those two columns.
        """
        kind, term = _search_kind(search_term)
        if kind == "none":
            return queryset, False
        if kind == "surname":
            by_surname = queryset.filter(surname_key__startswith=surname_key(term))
            # A word no surname starts with is looked for in the texts (one
            # probe on appeal_surname_key_idx decides).
            if by_surname.exists():
                return by_surname, False
            request._appeal_search_kind = "text"  # type: ignore[attr-defined]  # get_ordering reads it
            return text_search(queryset, search_term), False
        if kind == "text":
            return text_search(queryset, term), False
        if kind == "email":
            local, _at, domain = term.rpartition("@")
            # Stored as entered with the domain in lower case (forms.clean_email); appeal_email_idx.
            return queryset.filter(email__in={term, f"{local}@{domain.lower()}"}), False
        if kind == "phone":
            try:
                phone = normalize_phone(term)
            except ValidationError:
                return queryset.none(), False
            return queryset.filter(phone=phone), False  # appeal_phone_idx
        if kind == "outgoing":
            return queryset.filter(answer__outgoing_number=term), False  # answer_outgoing_idx
        match = _number_parts(term)
        if match is None:
            return queryset.filter(number__startswith=term), False
        year, digits = int(match["year"]), match["digits"] or ""
        width = 6  # format_number: six digits of sequence
        low = int(digits.ljust(width, "0")) if digits else 0
        high = int(digits.ljust(width, "9")) if digits else 10**width - 1
        return queryset.filter(year=year, sequence__gte=low, sequence__lte=high), False

    def get_ordering(self, request: HttpRequest) -> Any:
        """Search results in their own order, not by due date.

        With the due-date order PostgreSQL may walk appeal_admin_order_idx
        hoping to meet matches early, and read the whole index when a prefix
        matches nothing. The number's order is its index's; the surname's is
        appeal_surname_order_idx's on PostgreSQL (the prefix is a range of
        that index, so a page reads its own rows and stops).
        """
        kind, _term = _search_kind(request.GET.get("q", ""))
        kind = getattr(request, "_appeal_search_kind", kind)
        if kind == "number":
            return ("-year", "-sequence")
        if kind == "surname":
            if connection.vendor == "postgresql":
                # In byte order, as appeal_surname_order_idx keeps them (migration
                # 0018): PostgreSQL reads the page's rows off the index instead of
                # fetching and sorting every match (bench/README.md, "Headroom").
                return (Collate("surname_key", "C"), Collate("first_name", "C"), "-received_at")
            return ("surname_key", "first_name", "-received_at")
        if kind in ("text", "email", "phone", "outgoing"):
            # A handful of matches found through their own index, sorted once fetched.
            return ("-received_at",)
        return super().get_ordering(request)

    @admin.display(description=_("заявитель"), ordering="surname_key")
    def applicant(self, appeal: Appeal) -> str:
        return appeal.short_name

    @admin.display(description=_("тематика"), ordering="topic_code")
    def topic_column(self, appeal: Appeal) -> SafeString:
        short = getattr(appeal, "topic_short", "")
        more = "…" if len(short) >= TOPIC_SHORT else ""
        return format_html('<span class="topic-code">{}</span> <span class="topic-title">{}{}</span>',
                           appeal.topic_code, short, more)

    @admin.display(description=_("подразделение, исполнитель"), ordering="department__name")
    def handled_by(self, appeal: Appeal) -> SafeString:
        department = str(appeal.department) if appeal.department_id else "—"
        return format_html('<span class="department">{}</span> <span class="executor">{}</span>',
                           department, self.executor_name(appeal))

    @staticmethod
    def executor_name(appeal: Appeal) -> str:
        """The executor's full name, not the login."""
        executor = appeal.executor
        if executor is None:
            return "—"
        return executor.get_full_name() or executor.get_username()

    @admin.display(description=_("заявитель, начало текста"), ordering="surname_key")
    def applicant_column(self, appeal: Appeal) -> SafeString:
        start = " ".join(getattr(appeal, "text_start", "").split())
        more = "…" if len(start) >= TEXT_START - 1 else ""
        return format_html('<span class="applicant">{}</span> <span class="text-start">{}{}</span>',
                           appeal.short_name, start, more)

    @admin.display(description=_("состояние"), ordering="status")
    def status_column(self, appeal: Appeal) -> str:
        """The state; get_list_display replaces it with a column that adds the user's next step."""
        return appeal.get_status_display()

    def get_list_display(self, request: HttpRequest) -> Any:
        # The state's column shows the user's next step: the column is made
        # for this request (a bound copy; the admin instance is shared by threads).
        step = next_step_column(request.user)
        # The states' names translated once for the page, not once a row
        # (get_status_display rebuilds the choices' mapping each call).
        names = {value: str(label) for value, label in Appeal.Status.choices}

        @admin.display(description=_("состояние"), ordering="status")
        def status_column(appeal: Appeal) -> SafeString:
            return format_html('<span class="status">{}</span>{}', names.get(appeal.status, appeal.status),
                               step(appeal))

        return [status_column if name == "status_column" else name for name in super().get_list_display(request)]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {"title": self.list_title(request), **(extra_context or {})})

    def list_title(self, request: HttpRequest) -> str:
        """What the list is: whose appeals, and the work list it was opened from."""
        user = request.user
        if request.GET.get("executor") == "me":
            title = gettext("Обращения, поручённые мне")
        elif access.sees_all(user):
            title = gettext("Обращения граждан: все подразделения")
        else:
            title = gettext("Обращения граждан: мои подразделения и поручённые мне")
        attention = AttentionFilter.LABELS.get(request.GET.get("attention", ""))
        if attention is not None:
            title = f"{title} — {attention}"
        return title

    @admin.display(description=_("ближайший срок"), ordering=F("next_due").asc(nulls_last=True))
    def due(self, appeal: Appeal) -> SafeString | str:
        return due_marker(appeal.next_due)

    # --- bulk actions ----------------------------------------------------------
    def _report(self, request: HttpRequest, done: int, refusals: list[str]) -> None:
        if done:
            self.message_user(request, ngettext("Выполнено для %(n)d обращения.", "Выполнено для %(n)d обращений.",
                                                done) % {"n": done}, messages.SUCCESS)
        if refusals:
            self.message_user(request, gettext("Не выполнено: %(list)s") % {"list": "; ".join(refusals)},
                              messages.ERROR)

    @admin.action(description=_("Зарегистрировать выбранные обращения"), permissions=["register"])
    def register_selected(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> None:
        done, refusals = 0, []
        for appeal in queryset.order_by("received_at"):
            try:
                handling.register_appeal(appeal, request.user)
            except AppealError as exc:
                refusals.append(f"{appeal.number}: {exc}")
            else:
                done += 1
        self._report(request, done, refusals)

    @admin.action(description=_("Направить выбранные в подразделение и исполнителю"), permissions=["assign"])
    def assign_selected(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> HttpResponse | None:
        form = AssignSelectedForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            department, executor = form.cleaned_data["department"], form.cleaned_data["executor"]
            done, refusals = 0, []
            for appeal in queryset.order_by("received_at"):
                try:
                    handling.assign_appeal(appeal, request.user, department=department, executor=executor)
                except AppealError as exc:
                    refusals.append(f"{appeal.number}: {exc}")
                else:
                    done += 1
            self._report(request, done, refusals)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Направить обращения в подразделение и исполнителю"),
            "form": form,
            "appeals": queryset.order_by("received_at"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/appeals/appeal/assign_selected.html", context)

    def has_sign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("appeals.sign_answer")

    @admin.action(description=_("Подписать выбранные ответы (с просмотром каждого)"), permissions=["sign"])
    def sign_selected(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> HttpResponse | None:
        """Sign several answers at once: each is shown and ticked, then signed by handling.sign_answer.

        Each answer has the one-answer form of its own (staff_forms.SignAnswerForm,
        prefixed), with the position and name given once for all; every
        signature is the service's, with its refusals reported by number.
        """
        appeals = list(queryset.order_by("next_due", "received_at"))
        waiting = [appeal for appeal in appeals if appeal.status == Appeal.Status.ON_APPROVAL]
        refusals = [gettext("%(number)s: ответ не на подписании") % {"number": appeal.number}
                    for appeal in appeals if appeal.status != Appeal.Status.ON_APPROVAL]
        applying = "apply" in request.POST
        signer = staff.sf.BulkSignerForm(request.POST if applying else None, user=request.user)
        signer_valid = signer.is_valid() if applying else False
        rows: list[dict[str, Any]] = []
        for appeal in waiting:
            prefix = f"sign-{appeal.pk}"
            data: Any = None
            if applying:
                data = request.POST.copy()
                if signer_valid:
                    data[f"{prefix}-signer_position"] = signer.cleaned_data["signer_position"]
                    data[f"{prefix}-signer_name"] = signer.cleaned_data["signer_name"]
            form = staff.sf.SignAnswerForm(data, appeal=appeal, user=request.user, prefix=prefix)
            answer = Answer.objects.filter(appeal=appeal).first()
            rows.append({"appeal": appeal, "form": form, "answer": answer, "confirm": f"confirm-{appeal.pk}",
                         "confirmed": request.POST.get(f"confirm-{appeal.pk}") == "1" and applying})
        if applying and signer_valid:
            done = 0
            confirmed = [row for row in rows if row["confirmed"]]
            if not confirmed:
                self.message_user(request, gettext("Отметьте ответы, которые вы прочитали и подписываете."),
                                  messages.WARNING)
            else:
                for row in confirmed:
                    form = row["form"]
                    if not form.is_valid():
                        refusals.append(f"{row['appeal'].number}: " + "; ".join(
                            str(error) for errors in form.errors.values() for error in errors))
                        continue
                    cleaned = {**form.cleaned_data, "_results": form.results(), "_outcomes": form.outcomes()}
                    try:
                        staff.STEP_ACTIONS["sign_answer"].run(row["appeal"], request.user, cleaned)
                    except AppealError as exc:
                        refusals.append(f"{row['appeal'].number}: {exc}")
                    else:
                        done += 1
                skipped = [row["appeal"].number for row in rows if not row["confirmed"]]
                if skipped:
                    refusals.append(gettext("не отмечены, не подписаны: %(list)s") % {"list": ", ".join(skipped)})
                self._report(request, done, refusals)
                return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Подписать ответы"),
            "signer": signer,
            "rows": rows,
            "refusals": refusals,
            "appeals": appeals,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/appeals/appeal/sign_selected.html", context)

    # --- urls ------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Any) -> Any:
            def bound(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                return view(self, request, *args, **kwargs)
            return self.admin_site.admin_view(bound)

        urls = [
            path("<int:appeal_id>/attachments/<int:attachment_id>/", wrap(staff.download_attachment),
                 name="appeals_appeal_attachment"),
            path("<int:appeal_id>/answer.pdf", wrap(staff.download_answer), name="appeals_appeal_answer_pdf"),
            path("<int:appeal_id>/answer/preview.pdf", wrap(staff.preview_answer),
                 name="appeals_appeal_answer_preview"),
            path("<int:appeal_id>/answer/files/<int:file_id>/", wrap(staff.download_answer_file),
                 name="appeals_appeal_answer_file"),
            path("<int:appeal_id>/answer/autosave/", wrap(staff.autosave_answer),
                 name="appeals_appeal_answer_autosave"),
            path("<int:appeal_id>/step/<slug:code>/", wrap(staff.step_view), name="appeals_appeal_step"),
        ]
        return urls + super().get_urls()

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
                 ) -> HttpResponse:
        return staff.entry_view(self, request)

    # --- the appeal's page -----------------------------------------------------
    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        appeal = self.get_object(request, unquote(object_id))
        if appeal is None:
            raise Http404
        if not self.has_view_permission(request, appeal):
            raise PermissionDenied
        if request.method != "GET":
            # Read-only page: the steps post to their own URLs.
            return HttpResponseRedirect(request.path)
        staff.log_access(request, appeal, AccessLogEntry.Action.VIEW)
        context = {**self.appeal_context(request, appeal), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Appeal | None:
        cached = getattr(request, "_appeal_object", None)
        if cached is not None and str(cached.pk) == str(object_id):
            return cached
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            request._appeal_object = obj  # type: ignore[attr-defined]  # change_view, then super() asks again
        return obj

    def appeal_context(self, request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
        """Everything the appeal's page shows beside its fields, in a bounded number of queries."""
        user = request.user
        today = timezone.localdate()
        events = list(AppealEvent.objects.filter(appeal=appeal).select_related("actor"))
        answer = Answer.objects.filter(appeal=appeal).select_related("signed_by", "drafted_by").first()
        steps = staff.available_actions(appeal, user)
        return {
            "appeal": appeal,
            "can_download": user.has_perm("appeals.download_attachment"),
            "attachments_list": list(appeal.attachments.all()),
            "questions": list(AppealQuestion.objects.filter(appeal=appeal)),
            "analysis": analysis_rows(appeal),
            "terms": [
                {"title": row.title, "due": row.due.due, "explain": row.due.explain(),
                 # Only a term still running is coloured; a met one is just its date.
                 "marker": f"{row.due.due:%d.%m.%Y}" if row.met else due_marker(row.due.due, today=today),
                 "met": row.met}
                for row in terms.explain(appeal)
            ],
            "linked": list(access.visible_appeals(user, appeal.linked_appeals.all()).order_by("received_at")),
            # Left out when an app shows the same list by its rule (suggestions' panel): one list on the page.
            "earlier": [] if worklists.earlier_appeals_shown_by_app() else list(
                access.visible_appeals(user, worklists.earlier_appeals_of_author(appeal))
                .exclude(pk__in=appeal.linked_appeals.values("pk")).order_by("-received_at")[:10]
            ),
            "document_requests": list(DocumentRequest.objects.filter(appeal=appeal).select_related("body")),
            "answer": answer,
            "answer_files": [
                {"file": enclosure, "url": reverse("admin:appeals_appeal_answer_file", args=[appeal.pk, enclosure.pk])}
                for enclosure in (AnswerFile.objects.filter(answer=answer) if answer is not None else [])
            ],
            "answer_pdf_url": reverse("admin:appeals_appeal_answer_pdf", args=[appeal.pk])
            if answer is not None and answer.status == Answer.Status.SIGNED and answer.pdf else "",
            "outgoing": [
                {"message": message, "label": message_kind_label(message.kind)}
                for message in appeal.messages.order_by("created_at")
            ],
            "postal_letters": self._postal_letters(appeal),
            "events": [
                {"event": event, "label": action_label(event.action),
                 "who": (event.actor.get_full_name() or event.actor.get_username()) if event.actor
                 else event.actor_label or gettext("система"),
                 "changes": event_changes(event)}
                for event in events
            ],
            "steps": [
                {"action": step, "url": reverse("admin:appeals_appeal_step", args=[appeal.pk, step.code])}
                for step in steps
            ],
            "show_save": False,
            "extra_panels": collect_panels(Appeal, appeal=appeal, request=request, place="page"),
        }

    @staticmethod
    def _postal_letters(appeal: Appeal) -> list[Any]:
        if not apps.is_installed("letters"):
            return []
        postal_letter = apps.get_model("letters", "PostalLetter")
        return list(postal_letter.objects.filter(appeal=appeal).order_by("created_at"))


# --- rows that hold a citizen's personal data ------------------------------------------
class PersonalDataAdmin(admin.ModelAdmin):
    """A read-only admin of rows that hold a citizen's personal data and belong to an appeal.

    1. get_queryset narrows the rows by the appeal's rule (scope): the list,
       the row's page, its history, the bulk actions and Django's raw-id and
       autocomplete lookups all read through it, so a row out of reach is a
       404, as an appeal of another department is;
    2. every page of one row that shows its contents is written to the
       access log (152-FZ), as the appeal's own page and its downloads are.

    Postal letters, outgoing messages and the access log use it; a new model
    with a citizen's data should too (tests/test_admin_walk.py fails until
    the new model's reach is written down there).
    """

    log_action: str = AccessLogEntry.Action.VIEW

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.visible_through_appeal(request.user, queryset)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(request, super().get_queryset(request))

    def shows_contents(self, request: HttpRequest, obj: Any) -> bool:
        """Does the row's page show its contents to this user (then the page is logged)?"""
        return True

    def log_detail(self, obj: Any) -> str:
        return f"{obj._meta.verbose_name} № {obj.pk}"

    def _log_view(self, request: HttpRequest, obj: Any, page: str = "") -> None:
        if not self.shows_contents(request, obj):
            return  # delivery metadata only: nothing of the citizen was shown
        appeal = getattr(obj, "appeal", None)
        if appeal is None:
            # The log's rows belong to an appeal; a row of none is shown to
            # superusers only (access.can_read_contents): the server log has it.
            logger.info("personal data page without an appeal model=%s pk=%s user=%s",
                        obj._meta.label, obj.pk, request.user.pk)
            return
        staff.log_access(request, appeal, self.log_action, f"{self.log_detail(obj)}{page}")

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> HttpResponse:
        # Called only once the row was found in get_queryset and the user may view it.
        if obj is not None:
            self._log_view(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
                     ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            # The page's title is the row's name (a letter's addressee).
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self._log_view(request, obj, gettext(", история изменений"))
        return response

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> HttpResponse:
        raise Http404  # a row out of reach looks the same as one that does not exist

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- the access log (152-FZ) ---------------------------------------------------------
@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(PersonalDataAdmin):
    """Who saw which appeal's personal data: read by the heads (migration 0011_scoping_audit_role).

    A reader sees the rows of the appeals they may see. The list shows who,
    when, what and which appeal; the details (the names of the downloaded
    files, the citizen's data) are on the row's page, which is itself
    written to the log, so reading the log is audited too. The list is not
    logged, as the appeals' list is not: it shows nothing of the citizen.
    """

    list_display = ("at", "user", "action", "appeal")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("appeal__number",)
    search_help_text = _("Точный регистрационный номер обращения или имя пользователя.")
    list_select_related = ("user", "appeal")
    show_full_result_count = False
    list_per_page = 100
    fields = ("at", "user", "action", "appeal", "detail")
    readonly_fields = fields
    log_action = AccessLogEntry.Action.VIEW_LOG

    def log_detail(self, obj: AccessLogEntry) -> str:
        return gettext("запись журнала № %(pk)s") % {"pk": obj.pk}

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[AccessLogEntry], search_term: str
                           ) -> tuple[QuerySet[AccessLogEntry], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(appeal__number=term.upper()) | Q(user__username=term)), False


# --- departments -------------------------------------------------------------------------
@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "short_name")
    fields = ("name", "short_name", "members", "is_active")
    filter_horizontal = ("members",)

    def has_delete_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return False  # appeals keep their department: retire it instead (is_active)



# --- staff records -------------------------------------------------------------------------
@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """The officials' positions and signatures, edited by the administrator (issue 10 item 3)."""

    list_display = ("user", "full_name", "position", "signature_name", "phone")
    search_fields = ("user__username", "user__last_name", "position")
    list_select_related = ("user",)
    fields = ("user", "position", "signature_name", "phone")
    autocomplete_fields = ()

    @admin.display(description=_("ФИО"), ordering="user__last_name")
    def full_name(self, profile: StaffProfile) -> str:
        return profile.user.get_full_name()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(is_staff=True).order_by(
                "last_name", "first_name", "username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: StaffProfile | None = None) -> bool:
        return False  # a signed letter names its signer: the record is corrected, not removed
