"""Import the topic classifier from CSV.

Used by the ``import_topics`` command, the admin import page and the data
migration 0002_mglu_defaults. A migration must work with the historical model
from ``apps.get_model()``, which has none of Topic's methods, so
``import_topics`` takes the model class as a parameter and sets every derived
field (level, parent) itself instead of relying on Topic.save(). Keep it to
plain field access for that reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils.translation import gettext as _

from classifiers.codes import (
    QUESTION_LEVEL,
    TITLE_MAX_LENGTH,
    ancestor_codes,
    code_level,
    is_valid_code,
    parent_code,
)

REQUIRED_COLUMNS = ("code", "title")
OPTIONAL_COLUMNS = ("offered", "sort_order")
TRUE_VALUES = {"1", "да", "yes", "true", "y", "д", "+"}
FALSE_VALUES = {"0", "нет", "no", "false", "n", "н", "-"}
# Retire in slices: SQLite allows a limited number of query parameters.
RETIRE_BATCH = 500


class TopicImportError(Exception):
    """Raised when the file cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class TopicRow:
    """One line of the file: ``offered`` and ``sort_order`` are None when not given."""

    line: int
    code: str
    title: str
    offered: bool | None = None
    sort_order: int | None = None


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    dry_run: bool = False

    def __str__(self) -> str:
        text = _(
            "Создано: %(created)d, обновлено: %(updated)d, без изменений: %(unchanged)d, "
            "выведено из употребления: %(retired)d."
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "retired": self.retired,
        }
        if self.dry_run:
            text += " " + _("Пробный запуск: ничего не записано.")
        return text


def parse_topics_csv(data: bytes) -> list[TopicRow]:
    """Read a UTF-8 CSV file (with or without BOM, "," or ";") into rows; raise TopicImportError.

    The header names the columns: ``code``, ``title`` and, optionally,
    ``offered`` (1/0) and ``sort_order``. Every line is checked and all errors
    are reported at once with their line numbers.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TopicImportError(
            [_("Файл не в кодировке UTF-8 (байт %(pos)d). Сохраните его как «CSV UTF-8».") % {"pos": exc.start}]
        ) from None
    first_line = text.split("\n", 1)[0]
    # Excel with Russian regional settings separates columns with ";".
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    header = next(reader, None)
    if header is None:
        raise TopicImportError([_("Файл пуст.")])
    columns = [name.strip().lower() for name in header]
    problems = _check_header(columns)
    if problems:
        raise TopicImportError(problems)

    rows: list[TopicRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue  # Blank lines, often at the end of the file.
        if len(values) > len(columns):
            errors.append(
                _("Строка %(line)d: лишние значения (столбцов в заголовке: %(count)d).")
                % {"line": line, "count": len(columns)}
            )
            continue
        record = dict(zip(columns, (value.strip() for value in values), strict=False))
        row, row_errors = _parse_record(line, record)
        errors.extend(row_errors)
        if row is None:
            continue
        if row.code in seen:
            errors.append(
                _("Строка %(line)d: код %(code)s уже встречался в строке %(first)d.")
                % {"line": line, "code": row.code, "first": seen[row.code]}
            )
            continue
        seen[row.code] = line
        rows.append(row)
    if errors:
        raise TopicImportError(errors)
    return rows


def _check_header(columns: list[str]) -> list[str]:
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(
            _(
                "Строка 1: нет столбцов %(missing)s; заголовок должен быть «code,title» "
                "(и, если нужно, «offered», «sort_order»)."
            )
            % {"missing": ", ".join(missing)}
        )
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        problems.append(_("Строка 1: неизвестные столбцы %(unknown)s.") % {"unknown": ", ".join(unknown)})
    if len(set(columns)) != len(columns):
        problems.append(_("Строка 1: столбцы повторяются."))
    return problems


def _parse_record(line: int, record: dict[str, str]) -> tuple[TopicRow | None, list[str]]:
    errors = []
    code = record.get("code", "")
    title = record.get("title", "")
    if not is_valid_code(code):
        errors.append(
            _("Строка %(line)d: неверный код «%(code)s»; нужен формат 0002.0006.0064.0272, не из одних нулей.")
            % {"line": line, "code": code}
        )
    if not title:
        errors.append(_("Строка %(line)d: нет наименования.") % {"line": line})
    elif len(title) > TITLE_MAX_LENGTH:
        errors.append(
            _("Строка %(line)d: наименование длиннее %(max)d символов.") % {"line": line, "max": TITLE_MAX_LENGTH}
        )

    offered: bool | None = None
    raw_offered = record.get("offered", "").lower()
    if raw_offered in TRUE_VALUES:
        offered = True
    elif raw_offered in FALSE_VALUES:
        offered = False
    elif raw_offered:
        errors.append(
            _("Строка %(line)d: offered должен быть 1 или 0, а не «%(value)s».") % {"line": line, "value": raw_offered}
        )
    if offered and is_valid_code(code) and code_level(code) != QUESTION_LEVEL:
        errors.append(
            _(
                "Строка %(line)d: предлагать на форме можно только вопросы (4-й уровень), "
                "а %(code)s — уровень %(level)d."
            )
            % {"line": line, "code": code, "level": code_level(code)}
        )

    sort_order: int | None = None
    raw_order = record.get("sort_order", "")
    if raw_order:
        if raw_order.isascii() and raw_order.isdigit():
            sort_order = int(raw_order)
        else:
            errors.append(_("Строка %(line)d: sort_order должен быть целым числом не меньше 0.") % {"line": line})

    if errors:
        return None, errors
    return TopicRow(line=line, code=code, title=title, offered=offered, sort_order=sort_order), []


def import_topics(
    model: Any,  # the Topic model, or its historical version in a data migration
    rows: Iterable[TopicRow],
    *,
    offer: bool = False,
    retire_missing: bool = False,
    dry_run: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> ImportSummary:
    """Create or update topics of ``model`` from ``rows`` in one transaction; raise TopicImportError.

    1. Check that every parent is either in the rows or in the database.
    2. Write parents before children (rows sorted by level); an existing
       topic keeps its code, gets the new title, and is active again.
    3. With ``retire_missing``, retire (never delete) active topics that are
       neither in the rows nor ancestors of a row.

    ``offer`` offers every question whose row does not say ``offered``.
    Without either, existing topics keep their is_offered and new ones are
    not offered. ``dry_run`` does all the work and rolls it back, so the
    summary is exact.
    """
    rows = sorted(rows, key=lambda row: (code_level(row.code), row.line))
    manager = model._default_manager.db_manager(using)
    summary = ImportSummary(dry_run=dry_run)
    with transaction.atomic(using=using):
        file_codes = {row.code for row in rows}
        wanted_parents = {parent_code(row.code) for row in rows} - {None} - file_codes
        by_code: dict[str, Any] = {topic.code: topic for topic in manager.filter(code__in=file_codes | wanted_parents)}
        orphans = sorted(
            (row for row in rows if parent_code(row.code) in wanted_parents and parent_code(row.code) not in by_code),
            key=lambda row: row.line,
        )
        if orphans:
            raise TopicImportError(
                [
                    _(
                        "Строка %(line)d: нет родительской темы %(parent)s для %(code)s; "
                        "добавьте её в файл или загрузите раньше."
                    )
                    % {"line": row.line, "parent": parent_code(row.code), "code": row.code}
                    for row in orphans
                ]
            )

        for row in rows:
            _write_row(model, row, by_code, offer=offer, summary=summary, using=using)

        if retire_missing:
            keep = file_codes | {code for row in rows for code in ancestor_codes(row.code)}
            summary.retired = _retire_all_but(manager, keep)

        if dry_run:
            transaction.set_rollback(True, using=using)
    return summary


def _write_row(
    model: Any,  # the Topic model, or its historical version in a data migration
    row: TopicRow,
    by_code: dict[str, Any],
    *,
    offer: bool,
    summary: ImportSummary,
    using: str,
) -> None:
    is_question = code_level(row.code) == QUESTION_LEVEL
    offered = row.offered if row.offered is not None else (True if offer and is_question else None)
    wanted_parent = parent_code(row.code)
    parent = by_code[wanted_parent] if wanted_parent else None
    topic = by_code.get(row.code)
    if topic is None:
        topic = model(
            code=row.code,
            title=row.title,
            level=code_level(row.code),
            parent=parent,
            is_offered=bool(offered),
            is_active=True,
            sort_order=row.sort_order or 0,
        )
        topic.save(using=using)
        by_code[row.code] = topic
        summary.created += 1
        return

    changes = {"title": row.title, "is_active": True, "parent_id": parent.pk if parent else None}
    if offered is not None:
        changes["is_offered"] = offered
    if row.sort_order is not None:
        changes["sort_order"] = row.sort_order
    changed = [name for name, value in changes.items() if getattr(topic, name) != value]
    if not changed:
        summary.unchanged += 1
        return
    for name in changed:
        setattr(topic, name, changes[name])
    topic.save(using=using, update_fields=[name.removesuffix("_id") for name in changed])
    summary.updated += 1


def _retire_all_but(manager: models.Manager[Any], keep: set[str]) -> int:
    # Compare in Python rather than exclude(code__in=keep): a full classifier has
    # thousands of codes, more than SQLite takes as query parameters.
    pks = [pk for pk, code in manager.filter(is_active=True).values_list("pk", "code") if code not in keep]
    for start in range(0, len(pks), RETIRE_BATCH):
        manager.filter(pk__in=pks[start : start + RETIRE_BATCH]).update(is_active=False, is_offered=False)
    return len(pks)
