"""Publishing answers and finding them: the head's step, the public search, the form's hints."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Answer, Appeal
from appeals.services import access
from publications import personal_data
from publications.models import PublishedAnswer

TEXT_FIELDS = ("title", "question", "answer")
# Words a search or a hint looks at; the rest of a long essence adds noise, not matches.
MAX_QUERY_WORDS = 24
_QUERY_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


class PublicationError(Exception):
    """The answer cannot be published; the message is for the official, in Russian.

    `fields` maps a field to its own error, so a form shows each next to its field.
    """

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def may_publish(user: Any) -> bool:
    return bool(user.is_active and user.has_perm("publications.publish_publishedanswer"))


def check_source(user: Any, appeal: Appeal | None) -> None:
    """The head publishes from an appeal only within their scope (appeals.services.access)."""
    if appeal is not None and not access.can_see(user, appeal):
        raise PublicationError(_("Обращение относится к другому подразделению."),
                               {"source_appeal": _("Обращение относится к другому подразделению.")})


def personal_data_errors(texts: dict[str, str], appeal: Appeal | None) -> dict[str, str]:
    """Per field, the Russian error naming the personal data found in it (empty: fit to publish)."""
    errors = {}
    for field, text in texts.items():
        findings = personal_data.find(text, appeal)
        if findings:
            errors[field] = personal_data.describe(findings)
    return errors


def draft_from_appeal(appeal: Appeal) -> dict[str, Any]:
    """What the head starts from: the appeal's topic, its text and its signed answer's, to be edited."""
    answer = Answer.objects.filter(appeal=appeal, status=Answer.Status.SIGNED).only("text").first()
    return {"topic": appeal.topic_id, "question": appeal.text, "answer": answer.text if answer else "",
            "source_appeal": appeal.pk}


def publish_answer(item: PublishedAnswer, user: Any) -> PublishedAnswer:
    """Check the texts and the scope, then save the page as published now (or republish an edited one).

    Raises PublicationError, saving nothing, when the user may not publish,
    the appeal is outside their scope, or a text still holds personal data.
    """
    if not may_publish(user):
        raise PublicationError(_("Недостаточно прав для публикации ответов."))
    check_source(user, item.source_appeal)
    errors = personal_data_errors({field: getattr(item, field) for field in TEXT_FIELDS}, item.source_appeal)
    if errors:
        raise PublicationError(next(iter(errors.values())), errors)
    with transaction.atomic():
        if item.published_at is None:
            item.published_at, item.published_by = timezone.now(), user
        item.save()
        refresh_search_vector(item)
        _queue_lexemes()
    return item


def unpublish_answer(item: PublishedAnswer, user: Any) -> PublishedAnswer:
    if not may_publish(user):
        raise PublicationError(_("Недостаточно прав для публикации ответов."))
    with transaction.atomic():
        item.published_at, item.published_by = None, None
        item.save(update_fields=["published_at", "published_by"])
        _queue_lexemes()
    return item


def _queue_lexemes() -> None:
    if connection.vendor == "postgresql":
        from publications.tasks import refresh_lexemes as task

        task.delay_on_commit()


def refresh_lexemes() -> int:
    """Recount, per word stem, the published pages that hold it (ts_stat reads every page's vector)."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM publications_lexeme")
        cursor.execute(
            "INSERT INTO publications_lexeme (word, documents) SELECT word, ndoc FROM ts_stat("
            "'SELECT search_vector FROM publications_publishedanswer "
            "WHERE published_at IS NOT NULL AND search_vector IS NOT NULL')")
        return cursor.rowcount


def _vector() -> Any:
    return (
        SearchVector("title", weight="A", config="russian")
        + SearchVector("topic__title", weight="B", config="russian")
        + SearchVector("question", weight="B", config="russian")
        + SearchVector("answer", weight="C", config="russian")
    )


def refresh_search_vector(item: PublishedAnswer) -> None:
    """Recompute the page's search document (PostgreSQL; the GIN index of migration 0001 reads it)."""
    if connection.vendor != "postgresql":
        return
    # An UPDATE cannot join the topic: compute the vector in a SELECT first.
    vector = PublishedAnswer.objects.filter(pk=item.pk).annotate(document=_vector()).values("document")
    PublishedAnswer.objects.filter(pk=item.pk).update(search_vector=vector[:1])


def query_words(text: str) -> list[str]:
    """The distinct words of a query, in order, without the words of no weight, at most MAX_QUERY_WORDS."""
    seen: dict[str, None] = {}
    for word in _QUERY_WORD.findall(text.lower()):
        if word not in _STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class Found:
    item: PublishedAnswer
    rank: float


def _postgres_search(words: list[str], *, any_word: bool, limit: int,
                     queryset: QuerySet[PublishedAnswer]) -> list[Found]:
    if any_word:
        lexemes = hint_lexemes(" ".join(words))
        if not lexemes:
            return []
        # The stems as they stand in the vectors: the "simple" configuration leaves them as they are.
        query = SearchQuery(" | ".join(f"'{lexeme}'" for lexeme in lexemes), config="simple", search_type="raw")
    else:
        query = SearchQuery(" ".join(words), config="russian", search_type="plain")
        counts = stem_counts(" ".join(words))
        if counts and min(documents for _word, documents in counts) > RANK_AT_MOST:
            # Every word is in thousands of pages («сроки», «заявление»): ranking them all costs
            # more than it tells. The newest matches, read along the public list's index.
            rows = (queryset.filter(search_vector=query).order_by("-published_at", "-id").select_related("topic")
                    .only("key", "title", "published_at", "topic__title")[:limit])
            return [Found(row, 0.0) for row in rows]
    rows = (
        queryset.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-published_at")
        .select_related("topic")
        .only("key", "title", "published_at", "topic__title")[:limit]
    )
    return [Found(row, float(row.rank)) for row in rows]


# A search whose rarest word is in more pages than this lists the newest matches instead of ranking them.
RANK_AT_MOST = 2000


def stem_counts(text: str) -> list[tuple[str, int]]:
    """The text's word stems (Russian configuration) with the number of published pages holding each, rarest first.

    Stems no page holds are left out. Read from the Lexeme table (refresh_lexemes).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.word, l.documents FROM unnest(to_tsvector('russian'::regconfig, %s)) AS u "
            "JOIN publications_lexeme l ON l.word = u.lexeme ORDER BY l.documents, l.word",
            [text],
        )
        return [(word, documents) for word, documents in cursor.fetchall() if _LEXEME.match(word)]


# The hints keep the essence's stems found in at most this share of the pages...
HINT_COMMON_SHARE = 0.05
# ...and at most this many of them, the rarest first.
HINT_MAX_LEXEMES = 8
_LEXEME = re.compile(r"^[\w-]+$", re.UNICODE)


def hint_lexemes(text: str) -> list[str]:
    """The essence's word stems worth a hint: held by some pages, but not by a large share of them.

    When every stem is common, the rarest one alone (a short essence:
    «общежитие»), unless even that one is in more than RANK_AT_MOST pages:
    then nothing is distinctive enough to offer. Stems are read from the
    Lexeme table (refresh_lexemes).
    """
    found = stem_counts(text)
    if not found:
        return []
    with connection.cursor() as cursor:
        # The planner's estimate of the pages: a count(*) of the table costs more than the hint itself.
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'publications_publishedanswer'")
        row = cursor.fetchone()
    pages = max(float(row[0]) if row else 0.0, 0.0)
    rare = [word for word, documents in found if documents <= max(HINT_COMMON_SHARE * pages, 20)]
    if not rare and found[0][1] <= RANK_AT_MOST:
        rare = [found[0][0]]
    return rare[:HINT_MAX_LEXEMES]


# Words of no weight in a citizen's text (greetings, requests, pronouns); PostgreSQL's
# Russian configuration drops the shortest of them too, but not «здравствуйте» or «прошу».
_STOP_WORDS = frozenset(
    "здравствуйте добрый день прошу просьба уважаемые уважаемый просим пожалуйста можно нужно надо "
    "если когда который которая которые "
    "чтобы этот эта это эти того тому такой также потому очень меня мною нами вами ваше ваша ваши наши наша "
    "свой своя свои было были была будет есть нету нет быть даже только уже ещё еще тоже всех всем всё все "
    "почему зачем какой какая какие сколько делать сделать".split()
)

# SQLite (a developer's machine) has neither the Russian stemmer nor a LIKE
# that folds Cyrillic case: the fallback reads the newest pages in Python.
FALLBACK_SCAN = 2000


def _fallback_search(words: list[str], *, any_word: bool, limit: int,
                     queryset: QuerySet[PublishedAnswer]) -> list[Found]:
    """Each word's first letters (a crude stem) anywhere in the texts; ranked by the share of words matched."""
    stems = [word[:max(4, len(word) - 2)] for word in words if len(word) >= 4]
    if not stems:
        return []
    found = []
    for item in queryset.select_related("topic")[:FALLBACK_SCAN]:
        haystack = " ".join((item.title, item.topic.title, item.question, item.answer)).lower().replace("ё", "е")
        score = sum(1 for stem in stems if stem.replace("ё", "е") in haystack)
        if score and (any_word or score == len(stems)):
            found.append(Found(item, score / len(stems)))
    found.sort(key=lambda f: -f.rank)  # stable: the newest first among equals
    return found[:limit]


def search(text: str, *, limit: int = 20, any_word: bool = False,
           queryset: QuerySet[PublishedAnswer] | None = None) -> list[Found]:
    """Published answers matching the words of `text`, best first.

    All words must match (the public search), or any of them (`any_word`:
    the form's hints, where the essence is a long text). On PostgreSQL the
    Russian configuration stems the words («общежитии» finds «общежитие»).
    """
    words = query_words(text)
    if not words:
        return []
    queryset = PublishedAnswer.objects.public() if queryset is None else queryset
    if connection.vendor == "postgresql":
        return _postgres_search(words, any_word=any_word, limit=limit, queryset=queryset)
    return _fallback_search(words, any_word=any_word, limit=limit, queryset=queryset)


def hints(text: str) -> list[Found]:
    """The published answers to offer while a citizen types the essence: a few, and only fair matches."""
    limit = int(settings.PUBLICATIONS_HINTS)
    found = search(text, limit=limit, any_word=True)
    if not found:
        return []
    # The best match sets the bar: a page that matched one common word of
    # a long text next to one that matched many is noise.
    best = found[0].rank
    return [f for f in found if f.rank >= best * 0.5]


def public_url(item: PublishedAnswer) -> str:
    return settings.PORTAL_BASE_URL + item.get_absolute_url()


def pages_for_appeal(appeal: Appeal) -> list[tuple[str, str]]:
    """The published pages an official may choose for the art. 11 part 5.1 step: similar ones, then the topic's.

    Registered in appeals.staff_forms.PUBLISHED_PAGE_SOURCES by the app's config.
    """
    chosen: dict[str, str] = {}
    similar = [f.item for f in search(appeal.text, limit=10, any_word=True)]
    same_topic = list(PublishedAnswer.objects.public().filter(topic_id=appeal.topic_id).select_related("topic")[:30])
    for item in [*similar, *same_topic]:
        label = _("«%(title)s» (%(topic)s, %(date)s)") % {
            "title": item.title, "topic": item.topic.title,
            "date": timezone.localtime(item.published_at or timezone.now()).strftime("%d.%m.%Y")}
        chosen.setdefault(public_url(item), label)
    return list(chosen.items())

