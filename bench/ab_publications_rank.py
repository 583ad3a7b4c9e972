#!/usr/bin/env python
"""A/B of the public search's cap on ranking (publications.services.RANK_AT_MOST), interleaved.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_cabinet .venv/bin/python bench/ab_publications_rank.py

On the pages bench/run_publications.py generated: each of its 40 queries, 4 rounds, first ranking every match
("rank_all") then with the cap ("capped", the code's default), one right after the other, so both see the same
load of a shared machine. Prints n, p50, p95 and max in ms of services.search(query, limit=20).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

import django

django.setup()

from bench.run_publications import QUERIES  # noqa: E402
from publications import services  # noqa: E402


def main() -> None:
    default = services.RANK_AT_MOST
    times: dict[str, list[float]] = {"rank_all": [], "capped": []}
    for _ in range(4):
        for query in QUERIES:
            for mode, limit in (("rank_all", 10**9), ("capped", default)):
                services.RANK_AT_MOST = limit
                start = time.perf_counter()
                services.search(query, limit=20)
                times[mode].append((time.perf_counter() - start) * 1000)
    services.RANK_AT_MOST = default
    for mode, values in times.items():
        values.sort()
        print(mode, "n", len(values), "p50", round(statistics.median(values), 1),
              "p95", round(values[int(len(values) * 0.95) - 1], 1), "max", round(values[-1], 1))
    print("loadavg", os.getloadavg())


if __name__ == "__main__":
    main()
