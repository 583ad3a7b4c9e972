#!/usr/bin/env python
"""Where an admin page's time goes: cProfile of in-process GETs, with the SQL time apart.

    .venv/bin/python bench/profile_admin.py --db appeals_bench --user gen-registrar \
        --url "/admin/appeals/appeal/?q=Иван" [--url ...] [-n 20] [--top 30]

Django runs in this process with bench.settings (as run_handling.py's in-process profile); the user is
logged in with the test client. Each URL: one warm-up GET, then -n GETs under cProfile; prints the
wall time per request, the SQL time per request (CaptureQueriesContext), and the functions with the
most cumulative and own time. Nothing is written to the database but what the page itself writes
(the access log of an appeal page).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, run_handling


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=run_handling.DBNAME)
    p.add_argument("--user", default=run_handling.REGISTRAR)
    p.add_argument("--url", action="append", required=True)
    p.add_argument("-n", type=int, default=20)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="cumulative,tottime")
    p.add_argument("--callees", action="append", default=[],
                   help="also print what the functions matching this pattern call (pstats print_callees)")
    p.add_argument("--plain", action="store_true",
                   help="also time -n GETs without the profiler (its overhead roughly doubles the time)")
    args = p.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="appeals-bench-profile-"))
    run_handling.setup_django(args.db, var_dir, 8000)
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    common.force_login_verified(client, User.objects.get(username=args.user))
    for url in args.url:
        assert client.get(url).status_code == 200, url
        profiler = cProfile.Profile()
        sql = 0.0
        queries = 0
        t0 = time.perf_counter()
        for _ in range(args.n):
            with CaptureQueriesContext(connection) as ctx:
                profiler.enable()
                response = client.get(url)
                profiler.disable()
            assert response.status_code == 200
            sql += sum(float(q["time"]) for q in ctx.captured_queries)
            queries += len(ctx.captured_queries)
        wall = (time.perf_counter() - t0) / args.n
        print(f"\n=== {url}: {wall * 1000:.1f} ms a request, SQL {sql / args.n * 1000:.1f} ms "
              f"in {queries / args.n:.0f} queries")
        for key in args.sort.split(","):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
            print("\n".join(out.getvalue().splitlines()[:args.top + 12]))
        for pattern in args.callees:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_callees(pattern)
            print(out.getvalue())
        if args.plain:
            times = []
            for _ in range(args.n):
                t0 = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - t0)
            times.sort()
            print(f"without the profiler: median {times[len(times) // 2] * 1000:.1f} ms, "
                  f"min {times[0] * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
