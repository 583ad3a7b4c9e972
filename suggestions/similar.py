"""Similar appeals by text (issue 12, item 2).

On PostgreSQL: Russian full-text search (stemming: «общежитии» finds
«общежитие»): to_tsvector('russian', text), the expression of the GIN index
of migration appeals 0015, stored per appeal (AppealText, with its own GIN
index) so that candidates are filtered and ranked without computing it
again. A query of every word of a long text matches most of a million
appeals and ranking them all is slow, so:
1. the appeal's own lexemes are taken from to_tsvector;
2. the rarest of them, by the planner's statistics of that index
   (pg_stats.most_common_elem_freqs, kept by ANALYZE), are ANDed (two or
   three) when one of them is rare; if that finds too few, pairs of the
   rarest four, then any of the rarest three (candidate_queries); at most
   CANDIDATES rows in all;
3. the candidates are ranked (ts_rank against the rarest OR_LEXEMES) and
   the best LIMIT kept.
On SQLite (development), a word-overlap score over the newest appeals.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import F, QuerySet

from appeals.models import Appeal

logger = logging.getLogger(__name__)

LIMIT = 10
SEARCH_TIMEOUT_MS = 100
# The candidates ranked (on their stored vectors, AppealText).
CANDIDATES = 60
MAX_AND = 3
MAX_PAIRS = 3
# A word in at most this share of the appeals has a short list in the GIN
# index (5 000 entries on a million): an AND with it is cheap.
CHEAP_SHARE = 0.005
OR_LEXEMES = 8
# The share of appeals above which a word says nothing about the question
# («прошу», «университет» in a university's appeals).
COMMON_SHARE = 0.2
STATS_CACHE_KEY = "suggestions:text-stats"
STATS_CACHE_SECONDS = 3600
TEXT_INDEX = "appeal_text_fts_idx"
FALLBACK_SCAN = 2000
# The query is made of the vector's own lexemes, already stemmed: the
# Russian stemmer run on a stem again may cut it further (to_tsquery('russian',
# 'общежит') is 'общеж', in no vector), so the query is parsed with 'simple'.
LEXEME_CONFIG = "simple"


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
    """The number of stored vectors and the frequent lexemes' shares, as ANALYZE measured them.

    The statistics of the stored vectors (AppealText.vector) when ANALYZE
    has seen them, else those of the text index of appeals 0015.
    """
    # One cache may serve several databases (a test database beside the real one).
    key = f"{STATS_CACHE_KEY}:{connection.settings_dict['NAME']}"
    stats = cache.get(key)
    if stats is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'appeals_appeal'")
            row = cursor.fetchone()
            total = max(float(row[0]) if row else 0.0, 1.0)
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE (tablename = 'suggestions_appealtext' AND attname = 'vector') OR tablename = %s "
                "ORDER BY tablename = %s", [TEXT_INDEX, TEXT_INDEX],
            )
            row = cursor.fetchone()
        shares: dict[str, float] = {}
        if row and row[0]:
            shares = dict(zip(row[0], row[1], strict=False))
        stats = (total, shares)
        cache.set(key, stats, STATS_CACHE_SECONDS)
    return stats


def index_text(appeal_ids: list[int]) -> None:
    """Store the text vectors of these appeals (one statement; PostgreSQL only)."""
    if connection.vendor != "postgresql" or not appeal_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO suggestions_appealtext (appeal_id, vector) "
            "SELECT id, to_tsvector('russian'::regconfig, COALESCE(text, '')) FROM appeals_appeal "
            "WHERE id = ANY(%s) ON CONFLICT (appeal_id) DO UPDATE SET vector = EXCLUDED.vector",
            [appeal_ids],
        )


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


def _candidates(queryset: QuerySet[Appeal], lexemes: list[str], operator: str, exclude: list[int]) -> list[int]:
    """Up to CANDIDATES ids whose stored vector matches the lexemes (no order: any of them will do)."""
    match = SearchQuery(f" {operator} ".join(map(_quote, lexemes)), search_type="raw", config=LEXEME_CONFIG)
    rows = (queryset.filter(suggestion_text__vector=match).exclude(pk__in=exclude).order_by()
            .values_list("pk", flat=True)[:CANDIDATES - len(exclude)])
    # The planner walks the table when it expects the words everywhere; a
    # word it knows only as "rarer than the frequent ones" may be nowhere,
    # and then the walk reads every row (0.5 s on 400 000). Such a search is
    # cut at SEARCH_TIMEOUT_MS: a suggestion is not worth a slow intake.
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {SEARCH_TIMEOUT_MS}")
            found = list(rows)
            cursor.execute("RESET statement_timeout")
            return found
    except OperationalError:
        logger.info("similar search cut at %s ms: %s", SEARCH_TIMEOUT_MS, " ".join(lexemes))
        return []


def candidate_queries(conjunction: list[str], chosen: list[str], shares: dict[str, float],
                      floor: float) -> list[tuple[list[str], str]]:
    """The searches to try in turn, the most specific first.

    An AND is cheap when one of its words is rare: GIN walks that word's
    short list and skips through the others. When every word is common (the
    generator's texts), the lists are long and reading them costs 100-300 ms
    on a million appeals (bench/README.md section 11), so only the OR of the
    rarest three is asked, and the planner, which knows the words'
    frequencies from the same statistics, walks the table until it has the
    candidates (they are everywhere) or reads the index (they are rare).
    """
    def cheap(lexemes: list[str]) -> bool:
        return min(shares.get(lexeme, floor) for lexeme in lexemes) <= CHEAP_SHARE

    searches: list[tuple[list[str], str]] = []
    if len(conjunction) >= 2 and cheap(conjunction):
        searches.append((conjunction, "&"))
    pairs = [list(pair) for pair in combinations(chosen[:MAX_AND + 1], 2) if list(pair) != conjunction]
    searches += [(pair, "&") for pair in pairs if cheap(pair)][:MAX_PAIRS]
    searches.append((chosen[:MAX_AND], "|"))
    return searches


def _postgres(appeal: Appeal, queryset: QuerySet[Appeal], limit: int) -> list[SimilarAppeal]:
    total, shares = _text_stats()
    conjunction, chosen = choose_query(_lexemes(appeal.text), total, shares)
    if not chosen:
        return []
    ids: list[int] = []
    floor = min(shares.values(), default=0.0) / 2
    for lexemes, operator in candidate_queries(conjunction, chosen, shares, floor):
        ids += _candidates(queryset, lexemes, operator, ids)
        if len(ids) >= limit:
            break
    if not ids:
        return []
    rank_query = SearchQuery(" | ".join(map(_quote, chosen)), search_type="raw", config=LEXEME_CONFIG)
    rows = (Appeal.objects.filter(pk__in=ids).annotate(rank=SearchRank(F("suggestion_text__vector"), rank_query))
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
