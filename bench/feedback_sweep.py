"""The satisfaction sweep (feedback.services.ask_sent_answers) on a million answered appeals.

Fills the PostgreSQL database named by DATABASE_URL (migrated; run it on a
database of your own, e.g. appeals_outcome) with N answered appeals copied
in SQL from one template appeal: each with its answer e-mail sent and its
satisfaction key, all asked about already except one in `--pending-every`.
Then times the sweep that asks about the pending ones (twice: the second run
finds nothing) and its peak Python memory (tracemalloc), and prints the plan
of the candidates' query. Writes bench/results/feedback-sweep-<date>.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_outcome \\
        .venv/bin/python bench/feedback_sweep.py --appeals 1000000

The rows stay (prefix «BENCH-» in the number) for inspection; --clean removes them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from appeals.models import Appeal  # noqa: E402
from feedback import services  # noqa: E402
from feedback.models import SatisfactionKey, SatisfactionRequest  # noqa: E402
from tests.roles import make_appeal  # noqa: E402

PREFIX = "BENCH-"


def clean() -> None:
    with connection.cursor() as cursor:
        bench = f"SELECT id FROM appeals_appeal WHERE number LIKE '{PREFIX}%%'"
        for table in ("feedback_satisfactionrequest", "feedback_satisfactionkey", "outbox_outgoingmessage"):
            cursor.execute(f"DELETE FROM {table} WHERE appeal_id IN ({bench})")
        cursor.execute(f"DELETE FROM appeals_appeal WHERE number LIKE '{PREFIX}%%'")


def fill(count: int, pending_every: int) -> None:
    """Copy a template appeal `count` times, with a sent answer e-mail, a key and (if asked) a request."""
    template = make_appeal()
    columns = [f.column for f in Appeal._meta.concrete_fields if f.column not in ("id", "number", "year", "sequence")]
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            # Year 1900: the copies' numbers never meet a real year's sequence.
            f"INSERT INTO appeals_appeal (number, year, sequence, {listed}) "
            f"SELECT '{PREFIX}' || g, 1900, g, {listed} FROM appeals_appeal, generate_series(1, %s) g WHERE id = %s",
            [count, template.pk],
        )
        # The template's own rows (its history, the suggestions computed at intake...) go with it.
        for relation in Appeal._meta.related_objects:
            if relation.many_to_many:
                continue
            table = relation.related_model._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE {relation.field.column} = %s", [template.pk])
        cursor.execute("DELETE FROM appeals_appeal WHERE id = %s", [template.pk])
        cursor.execute("UPDATE appeals_appeal SET status = 'answered', closed_at = now() - interval '1 day' "
                       f"WHERE number LIKE '{PREFIX}%%'")
        cursor.execute(
            "INSERT INTO outbox_outgoingmessage (uid, kind, appeal_id, \"to\", subject, body_text, body_html, "
            "redact_after_send, attachment_name, attachment_path, attachment_type, status, attempts, last_error, "
            "created_at, sent_at, render_context, template) "
            "SELECT md5('bench' || id)::uuid, 'letters.answer', id, 'citizen@mail.ru', 'Ответ', '', '', false, "
            "'', '', '', 'sent', 1, '', now() - interval '1 day', now() - interval '1 day', '{}'::jsonb, '' "
            f"FROM appeals_appeal WHERE number LIKE '{PREFIX}%%'"
        )
        cursor.execute(
            "INSERT INTO feedback_satisfactionkey (appeal_id, channel, token_hash, code_hash, code_attempts, "
            "created_at, asked_at) "
            "SELECT id, 'email', md5('t' || id) || md5('u' || id), '', 0, now() - interval '1 day', "
            "CASE WHEN id %% %s = 0 THEN NULL ELSE now() - interval '1 day' END "
            f"FROM appeals_appeal WHERE number LIKE '{PREFIX}%%'",
            [pending_every],
        )
        cursor.execute(
            "INSERT INTO feedback_satisfactionrequest (appeal_id, channel, status, asked_at, expires_at, resolved, "
            "comment, needs_review, review_note) "
            "SELECT appeal_id, 'email', 'answered', asked_at, asked_at + interval '30 days', 'yes', '', false, '' "
            "FROM feedback_satisfactionkey WHERE asked_at IS NOT NULL"
        )
        cursor.execute("ANALYZE")


def plan() -> str:
    query = (SatisfactionKey.objects.filter(asked_at__isnull=True).annotate(sent_at=services._sent_at())
             .filter(sent_at__isnull=False).order_by("pk").values_list("pk", "appeal_id", "channel", "sent_at")[:1000])
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def timed(sweep) -> dict[str, float | int]:
    tracemalloc.start()
    started = time.perf_counter()
    done = sweep()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"done": done, "seconds": round(seconds, 3), "peak_python_bytes": peak}


def timed_sweep() -> dict[str, float | int]:
    return timed(services.ask_sent_answers)


def timed_expiry(count: int) -> dict[str, float | int]:
    """`count` answered requests become unanswered ones whose time is up; then the expiry sweep runs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE feedback_satisfactionrequest SET status = 'asked', resolved = '', "
            "expires_at = now() - interval '1 hour' WHERE id IN (SELECT id FROM feedback_satisfactionrequest "
            "WHERE status = 'answered' ORDER BY id LIMIT %s)", [count])
    return timed(services.expire_requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--pending-every", type=int, default=1000, help="one appeal in N is not asked yet")
    parser.add_argument("--clean", action="store_true", help="remove the bench rows and stop")
    parser.add_argument("--reuse", action="store_true", help="keep the rows of an earlier run (no fill)")
    parser.add_argument("--expire", type=int, default=1000,
                        help="then this many requests run out of time and the expiry sweep runs (0: skip)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("needs PostgreSQL: set DATABASE_URL")
    filled = 0.0
    if args.reuse:
        # One appeal in --pending-every is asked about again: its key unasked, its request gone.
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH again AS (UPDATE feedback_satisfactionkey SET asked_at = NULL "
                "WHERE id %% %s = 0 AND asked_at IS NOT NULL RETURNING appeal_id) "
                "DELETE FROM feedback_satisfactionrequest WHERE appeal_id IN (SELECT appeal_id FROM again)",
                [args.pending_every])
    else:
        clean()
        if args.clean:
            return
        started = time.perf_counter()
        fill(args.appeals, args.pending_every)
        filled = time.perf_counter() - started
    explained = plan()
    first, second = timed_sweep(), timed_sweep()
    expiry = [timed_expiry(args.expire), timed_expiry(args.expire), timed_expiry(args.expire)] if args.expire else []
    result = {
        "appeals": Appeal.objects.filter(number__startswith=PREFIX).count(),
        "requests": SatisfactionRequest.objects.filter(appeal__number__startswith=PREFIX).count(),
        "unasked_keys_left": SatisfactionKey.objects.filter(Q(asked_at__isnull=True)).count(),
        "fill_seconds": round(filled, 1),
        "first_sweep": first,
        "second_sweep": second,
        "expiry_sweeps": expiry,
        "plan": explained,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results" / f"feedback-sweep-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
