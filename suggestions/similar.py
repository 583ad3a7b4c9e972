"""Similar appeals by text (issue 12, item 2).

On PostgreSQL: Russian full-text search (stemming: «общежитии» finds
«общежитие») over the GIN index of migration appeals 0015
(to_tsvector('russian', text)). A query of every word of a long text
matches most of a million appeals and ranking them all is slow, so:
1. the appeal's own lexemes are taken from to_tsvector;
2. the rarest of them, by the planner's statistics of that index
   (pg_stats.most_common_elem_freqs, kept by ANALYZE), are ANDed (two or
   three); if that finds too few, the appeals with any of the rarest three
   are added; each read is at most CANDIDATES rows from the GIN index;
3. the candidates are ranked (ts_rank against the rarest OR_LEXEMES) and
   the best LIMIT kept.
On SQLite (development), a word-overlap score over the newest appeals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet

from appeals.models import Appeal

LIMIT = 10
# Each candidate is ranked on to_tsvector of its text, computed again (the
# index holds no vectors to read back): the candidates are few.
CANDIDATES = 60
MAX_AND = 3
OR_LEXEMES = 8
# The share of appeals above which a word says nothing about the question
# («прошу», «университет» in a university's appeals).
COMMON_SHARE = 0.2
STATS_CACHE_KEY = "suggestions:text-stats"
STATS_CACHE_SECONDS = 3600
TEXT_INDEX = "appeal_text_fts_idx"
FALLBACK_SCAN = 2000


@dataclass(frozen=True)
class SimilarAppeal:
    appeal: Appeal
    score: float


def similar_appeals(appeal: Appeal, *, queryset: QuerySet[Appeal] | None = None,
                    limit: int = LIMIT) -> list[SimilarAppeal]:
    """The appeals most similar by text to this one, within `queryset` (the user's scope), best first."""
    queryset = (Appeal.objects.all() if queryset is None else queryset).exclude(pk=appeal.pk)
    if connection.vendor == "postgresql":
        return _postgres(appeal, queryset, limit)
    return _fallback(appeal, queryset, limit)


# --- PostgreSQL -------------------------------------------------------------------------------
def _text_stats() -> tuple[float, dict[str, float]]:
    """The number of appeals and the frequent lexemes' shares, as ANALYZE measured them on the text index."""
    stats = cache.get(STATS_CACHE_KEY)
    if stats is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'appeals_appeal'")
            row = cursor.fetchone()
            total = max(float(row[0]) if row else 0.0, 1.0)
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = %s", [TEXT_INDEX],
            )
            row = cursor.fetchone()
        shares: dict[str, float] = {}
        if row and row[0]:
            shares = dict(zip(row[0], row[1], strict=False))
        stats = (total, shares)
        cache.set(STATS_CACHE_KEY, stats, STATS_CACHE_SECONDS)
    return stats


def _lexemes(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector('russian', %s))", [text])
        return [row[0] for row in cursor.fetchall()]


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def choose_query(lexemes: list[str], total: float, shares: dict[str, float]) -> tuple[list[str], list[str]]:
    """The lexemes to AND (the rarest, until the estimated matches are few) and to OR (the fallback, and the rank)."""
    # A lexeme not among the frequent ones is rarer than the rarest of them;
    # between two such, the longer is taken for the rarer.
    floor = min(shares.values(), default=0.0) / 2
    ranked = sorted((share, -len(lexeme), lexeme) for lexeme in set(lexemes)
                    if len(lexeme) > 2 and not lexeme.isdigit()
                    for share in [shares.get(lexeme, floor)] if share < COMMON_SHARE)
    chosen = [lexeme for _share, _length, lexeme in ranked[:OR_LEXEMES]]
    conjunction: list[str] = []
    estimate = total
    for share, _length, lexeme in ranked[:MAX_AND]:
        conjunction.append(lexeme)
        estimate *= max(share, 1.0 / total)
        if estimate <= CANDIDATES and len(conjunction) >= 2:
            break
    return conjunction, chosen


def _candidates(queryset: QuerySet[Appeal], lexemes: list[str], operator: str, exclude: set[int]) -> list[int]:
    """Up to CANDIDATES ids matching the lexemes, read from the GIN index (no order: any of them will do)."""
    match = SearchQuery(f" {operator} ".join(map(_quote, lexemes)), search_type="raw", config="russian")
    rows = (queryset.annotate(search=SearchVector("text", config="russian")).filter(search=match)
            .exclude(pk__in=exclude).order_by().values_list("pk", flat=True)[:CANDIDATES])
    # With a LIMIT and many expected matches the planner prefers to walk the
    # table and compute to_tsvector on every row until it has enough (40 ms
    # on 30 000 appeals, bench/README.md section 11); the GIN index's bitmap
    # gives any CANDIDATES of them in a few ms. The settings are the
    # transaction's, set back after the query.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        try:
            return list(rows)
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")


def _postgres(appeal: Appeal, queryset: QuerySet[Appeal], limit: int) -> list[SimilarAppeal]:
    total, shares = _text_stats()
    conjunction, chosen = choose_query(_lexemes(appeal.text), total, shares)
    if not chosen:
        return []
    ids: list[int] = []
    if len(conjunction) >= 2:
        ids = _candidates(queryset, conjunction, "&", set())
    if len(ids) < limit:
        # Too few share all the rarest words: those that share any of the rarest few.
        ids += _candidates(queryset, chosen[:MAX_AND], "|", set(ids))
    if not ids:
        return []
    rank_query = SearchQuery(" | ".join(map(_quote, chosen)), search_type="raw", config="russian")
    rows = (Appeal.objects.filter(pk__in=ids).annotate(rank=SearchRank(SearchVector("text", config="russian"),
                                                                       rank_query))
            .order_by("-rank", "-received_at")[:limit])
    return [SimilarAppeal(appeal=row, score=float(row.rank)) for row in rows]


# --- SQLite ---------------------------------------------------------------------------------
_WORD = re.compile(r"[а-яёa-z]{4,}", re.IGNORECASE)


def _stems(text: str) -> set[str]:
    # A crude stem: the first six letters («общежитие», «общежитии» → «общежи»).
    return {word.lower().replace("ё", "е")[:6] for word in _WORD.findall(text)}


def _fallback(appeal: Appeal, queryset: QuerySet[Appeal], limit: int) -> list[SimilarAppeal]:
    mine = _stems(appeal.text)
    if not mine:
        return []
    # SQLite's LIKE folds only Latin letters: the newest appeals are read
    # and compared here instead (development databases are small).
    scored: list[tuple[float, Any]] = []
    for other in queryset.order_by("-received_at").only("pk", "text", "received_at")[:FALLBACK_SCAN]:
        theirs = _stems(other.text)
        score = len(mine & theirs) / len(mine | theirs) if theirs else 0.0
        if score > 0:
            scored.append((score, other))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].received_at.timestamp()))
    return [SimilarAppeal(appeal=other, score=score) for score, other in scored[:limit]]
