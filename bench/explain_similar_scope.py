#!/usr/bin/env python
"""The similar appeals searched within an executor's scope on the appeal's page (issue 12 item 2, brief s4).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_suggest
    .venv/bin/python bench/explain_similar_scope.py --appeals 30 [--user gen-d01-e1] [--explain 3]

For `--appeals` random appeals of the user's departments: the global search as the intake stores it (20), how
many of those the user may see, then services.proposals_for for the user (which searches the user's scope
when fewer than ten are visible), timed; the candidate and ranking queries of the scoped search are run again
under EXPLAIN (ANALYZE, BUFFERS) for the first `--explain` appeals and printed. Everything is rolled back.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

from bench import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=30)
    parser.add_argument("--user", default="gen-d01-e1")
    parser.add_argument("--explain", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from appeals.models import Appeal
    from appeals.services import access
    from suggestions import services, similar
    from suggestions.models import Proposal, ProposalKind

    user = User.objects.get(username=args.user)
    ids = list(access.visible_appeals(user).filter(closed_at__isnull=True).order_by("?")
               .values_list("pk", flat=True)[:args.appeals])
    if len(ids) < args.appeals:  # the generator closes most appeals: take closed ones too
        ids += list(access.visible_appeals(user).exclude(pk__in=ids).order_by("?")
                    .values_list("pk", flat=True)[:args.appeals - len(ids)])
    similar.similar_appeals(Appeal.objects.get(pk=ids[0]))  # warm-up: the statistics' cache
    visible_counts: list[int] = []
    shown_counts: list[int] = []
    view_ms: list[float] = []
    scoped_ms: list[float] = []
    explained = 0
    for appeal_id in ids:
        with transaction.atomic():
            appeal = Appeal.objects.get(pk=appeal_id)
            Appeal.objects.filter(pk=appeal.pk).update(closed_at=None)  # as an open appeal: proposals stored
            appeal.closed_at = None
            Proposal.objects.filter(appeal=appeal, kind=ProposalKind.SIMILAR).delete()
            for row in similar.similar_appeals(appeal, limit=services.SIMILAR_STORED):
                Proposal.objects.create(appeal=appeal, kind=ProposalKind.SIMILAR, other=row.appeal, score=row.score)
            visible = Proposal.objects.filter(appeal=appeal, kind=ProposalKind.SIMILAR).filter(
                access.appeal_condition(user, "other")).count()
            visible_counts.append(visible)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                shown = services.proposals_for(appeal, user).get(ProposalKind.SIMILAR, [])
            view_ms.append((time.perf_counter() - started) * 1000)
            shown_counts.append(len(shown))
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as scoped:
                similar.similar_appeals(appeal, queryset=access.visible_appeals(user))
            scoped_ms.append((time.perf_counter() - started) * 1000)
            if explained < args.explain and visible < similar.LIMIT:
                explained += 1
                print(f"--- appeal {appeal.number}: {visible} of {services.SIMILAR_STORED} stored visible, "
                      f"{len(shown)} shown; proposals_for {len(queries)} queries, {view_ms[-1]:.1f} ms; "
                      f"the scoped search alone {scoped_ms[-1]:.1f} ms")
                with connection.cursor() as cursor:
                    for query in scoped.captured_queries:
                        sql = query["sql"]
                        if "suggestion" not in sql or sql.startswith(("SET", "RESET", "SAVEPOINT", "RELEASE")):
                            continue
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        print(sql[:400])
                        print("\n".join(row[0] for row in cursor.fetchall()))
            transaction.set_rollback(True)
    print(f"appeals: {len(ids)}; stored visible to {args.user}: p50 {common.percentile(visible_counts, 50)}, "
          f"min {min(visible_counts)}; shown: min {min(shown_counts)}, p50 {common.percentile(shown_counts, 50)}")
    searched = [n for n, visible in enumerate(visible_counts) if visible < similar.LIMIT]
    print(f"searched the scope (fewer than {similar.LIMIT} stored visible): {len(searched)}; of those shown fewer "
          f"than {similar.LIMIT}: {sum(shown_counts[n] < similar.LIMIT for n in searched)}; proposals_for on them: "
          f"p50 {common.percentile([view_ms[n] for n in searched], 50) or 0:.1f} ms, "
          f"max {max([view_ms[n] for n in searched], default=0):.1f} ms")
    print(f"proposals_for (with the scoped search when needed): p50 {common.percentile(view_ms, 50):.1f} ms, "
          f"p95 {common.percentile(view_ms, 95):.1f} ms, max {max(view_ms):.1f} ms")
    print(f"the scoped search alone: p50 {common.percentile(scoped_ms, 50):.1f} ms, "
          f"p95 {common.percentile(scoped_ms, 95):.1f} ms, max {max(scoped_ms):.1f} ms")


if __name__ == "__main__":
    main()
