#!/usr/bin/env python
"""The registrar's suggestions on a million appeals (issue 12, "Speed"): at intake, and on the appeal's page.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_bench_suggest
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py index_authors            # the author keys of the stored appeals, once
    .venv/bin/python bench/run_suggestions.py --appeals 200 --pages 200

Steps (bench/README.md, section 11):
 1. intake: `--appeals` new appeals, each the person of a random stored appeal (so the same-author search has
    someone to find; one in five with the surname one letter off or the name order swapped) with the text of
    another random stored appeal; each is stored and its suggestions computed (services.compute_suggestions:
    the author key, the same author, the kind, the similar appeals, the art. 11 flags) in a transaction rolled
    back afterwards, so the database stays as it was; the time of the computation, and of each part;
 2. the appeal's page: `--pages` random stored appeals whose suggestions were never computed, opened twice by
    the registrar gen-registrar (django.test.Client in this process, a real session, the whole admin page with
    its panels): the first view computes and stores them (services.ensure_computed), the second reads them;
    then once more without the panel (its receiver disconnected), at the same moment and load; then the same
    for the executor gen-d01-e1 on appeals of their department. Every answer must be 200 with the panel. The
    computed rows are deleted at the end (SuggestionState and Proposal of those appeals);
 3. print a summary, write bench/results/suggestions-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

from bench import common

REGISTRAR = "gen-registrar"
EXECUTOR = "gen-d01-e1"


def stats(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": common.percentile(values, 50), "p95": common.percentile(values, 95),
            "max": max(values) if values else None, "mean": sum(values) / len(values) if values else None}


def random_ids(count: int, *, where: str = "TRUE") -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM appeals_appeal")
        top = cursor.fetchone()[0]
        ids: list[int] = []
        while len(ids) < count:
            probe = random.sample(range(1, top + 1), min(count * 3, top))
            cursor.execute(f"SELECT id FROM appeals_appeal WHERE id = ANY(%s) AND {where}", [probe])
            ids.extend(row[0] for row in cursor.fetchall())
        return ids[:count]


def intake(count: int) -> dict[str, Any]:
    from django.db import transaction

    from appeals.models import Appeal
    from suggestions import art11, authors, services, similar
    from tests.roles import make_appeal

    sources = list(Appeal.objects.filter(pk__in=random_ids(count * 2)))
    totals: list[float] = []
    parts: dict[str, list[float]] = {"authors": [], "similar": [], "art11": []}
    found = {"same_author": 0, "kind": 0, "similar": 0, "art11": 0}
    for n in range(count):
        person, text = sources[2 * n], sources[2 * n + 1]
        fields = {name: getattr(person, name) for name in (
            "last_name", "first_name", "patronymic", "address", "postal_index", "phone", "email", "reply_method",
            "identification_method", "identified_as")}
        if n % 5 == 1:
            fields["last_name"] = fields["last_name"][:-1]  # a letter dropped at the end, the same e-mail
        elif n % 5 == 2:
            fields["last_name"], fields["first_name"] = fields["first_name"], fields["last_name"]
        with transaction.atomic():
            appeal = make_appeal(topic=text.topic, text=text.text, kind="primary", **fields)
            started = time.perf_counter()
            rows = services.compute_suggestions(appeal)
            totals.append((time.perf_counter() - started) * 1000)
            for kind in found:
                found[kind] += any(row.kind == kind for row in rows)
            started = time.perf_counter()
            authors.proposed_kind(appeal, authors.same_author_matches(appeal, authors.key_for(appeal)))
            parts["authors"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            similar.similar_appeals(appeal, limit=services.SIMILAR_STORED)
            parts["similar"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            art11.flags(appeal.text)
            parts["art11"].append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    return {"compute_ms": stats(totals), "parts_ms": {key: stats(values) for key, values in parts.items()},
            "appeals_with": found}


def pages(count: int, username: str, where: str) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from suggestions.models import Proposal, SuggestionState

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    ids = random_ids(count, where=f"{where} AND NOT EXISTS (SELECT 1 FROM suggestions_suggestionstate s "
                                  "WHERE s.appeal_id = appeals_appeal.id)")
    from appeals.signals import appeal_panels
    from suggestions.receivers import panel

    first: list[float] = []
    second: list[float] = []
    bare: list[float] = []
    client.get(reverse("admin:appeals_appeal_change", args=[ids[0]]))  # warm-up: imports, caches
    try:
        for appeal_id in ids[1:]:
            url = reverse("admin:appeals_appeal_change", args=[appeal_id])
            for timings in (first, second):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or b'id="suggestions"' not in response.content:
                    raise RuntimeError(f"{url}: {response.status_code}, panel missing")
            # The same page without the panel, at the same moment: what the panel adds under the same load.
            appeal_panels.disconnect(dispatch_uid="suggestions.panel")
            try:
                started = time.perf_counter()
                client.get(url)
                bare.append((time.perf_counter() - started) * 1000)
            finally:
                appeal_panels.connect(panel, dispatch_uid="suggestions.panel")
    finally:
        Proposal.objects.filter(appeal_id__in=ids).delete()
        SuggestionState.objects.filter(appeal_id__in=ids).delete()
    return {"first_view_ms": stats(first), "second_view_ms": stats(second), "without_panel_ms": stats(bare)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=200, help="0: the pages only")
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--label", default="suggestions")
    args = parser.parse_args()
    if not any(name in os.environ.get("DATABASE_URL", "") for name in ("appeals_bench", "appeals_suggest")):
        sys.exit("set DATABASE_URL to a benchmark database (appeals_bench_suggest)")
    random.seed(args.seed)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_appeal")
        appeals = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM suggestions_authorkey")
        keys = cursor.fetchone()[0]
    result: dict[str, Any] = {"label": args.label, "at": dt.datetime.now(dt.UTC).isoformat(), "appeals": appeals,
                              "author_keys": keys, "machine": common.machine_info()}
    if args.appeals:
        result["intake"] = intake(args.appeals)
        print(json.dumps(result["intake"], indent=1, ensure_ascii=False))
    result["page_registrar"] = pages(args.pages, REGISTRAR, "TRUE")
    print("registrar", json.dumps(result["page_registrar"], ensure_ascii=False))
    executor_scope = ("(department_id IN (SELECT department_id FROM appeals_department_members m JOIN auth_user u "
                      f"ON u.id = m.user_id WHERE u.username = '{EXECUTOR}'))")
    result["page_executor"] = pages(args.pages, EXECUTOR, executor_scope)
    print("executor", json.dumps(result["page_executor"], ensure_ascii=False))
    common.RESULTS_DIR.mkdir(exist_ok=True)
    path = common.RESULTS_DIR / f"{args.label}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(path)


if __name__ == "__main__":
    main()
