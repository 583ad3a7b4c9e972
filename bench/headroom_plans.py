#!/usr/bin/env python
"""The queries issue 13 changed, straight in PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), three times each.

    .venv/bin/python bench/headroom_plans.py [--db appeals_bench] [--label before] [--runs 3]

Prints and writes bench/results/headroom-plans-<label>-<date>.json: per query the execution times of
the runs (median, max), the scans and sorts of the last plan, the buffers it touched, and the machine's
load average. The SQL is what the portal sends (the admin's surname page and its capped count, the
appeal page's earlier appeals of a common full name, the satisfaction requests' admin list), with
`{order}` the surname page's ORDER BY: before issue 13 the default collation, after it COLLATE "C".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

ORDERS = {
    "default": "surname_key ASC, first_name ASC, received_at DESC, id DESC",
    "c": 'surname_key COLLATE "C" ASC, first_name COLLATE "C" ASC, received_at DESC, id DESC',
}
LIST_COLUMNS = ("id, last_name, surname_key, first_name, patronymic, number, status, received_at, next_due, "
                "department_id, executor_id, topic_code, SUBSTRING(text, 1, 120)")
QUERIES = {
    # The registrar's first page of «Иван…» (~12 000 matches at 1M), and page 2.
    "surname_page_1": f"SELECT {LIST_COLUMNS} FROM appeals_appeal WHERE surname_key LIKE 'ИВАН%' "
                      "ORDER BY {order} LIMIT 100",
    "surname_page_2": f"SELECT {LIST_COLUMNS} FROM appeals_appeal WHERE surname_key LIKE 'ИВАН%' "
                      "ORDER BY {order} LIMIT 100 OFFSET 100",
    # The executor's (department 1 or their own) first page.
    "surname_page_executor": f"SELECT {LIST_COLUMNS} FROM appeals_appeal WHERE (department_id IN (1) OR "
                             "executor_id = 3) AND surname_key LIKE 'ИВАН%' ORDER BY {order} LIMIT 100",
    "surname_count": "SELECT COUNT(*) FROM (SELECT id FROM appeals_appeal WHERE surname_key LIKE 'ИВАН%' "
                     "LIMIT 10001) s",
    "surname_count_executor": "SELECT COUNT(*) FROM (SELECT id FROM appeals_appeal WHERE (department_id IN (1) OR "
                              "executor_id = 3) AND surname_key LIKE 'ИВАН%' LIMIT 10001) s",
    # The appeal page's «earlier appeals of the same citizen» for the commonest full name of the data.
    "earlier_appeals": "SELECT id, number, received_at, status FROM appeals_appeal WHERE ((surname_key = 'ИВАНОВА' "
                       "AND UPPER(first_name::text) = UPPER('Татьяна') AND UPPER(patronymic::text) = "
                       "UPPER('Павловна')) OR (email = 'tatyana.ivanova@mail.ru' AND identification_method IN "
                       "('email'))) AND received_at < now() AND NOT (id = 1) ORDER BY received_at DESC LIMIT 10",
    # The satisfaction requests' admin list (ordering -asked_at, then -id).
    "feedback_list": "SELECT id, appeal_id, status, asked_at FROM feedback_satisfactionrequest "
                     "ORDER BY asked_at DESC, id DESC LIMIT 100",
}
NODES = re.compile(r"((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan|Seq Scan|"
                   r"Sort|Incremental Sort)(?: Backward)?)(?: using (\w+)| on (\w+))?")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="appeals_bench")
    p.add_argument("--label", default="")
    p.add_argument("--order", choices=sorted(ORDERS), default="c")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    conn = common.pg_connect(args.db)
    out = {"db": args.db, "label": args.label, "order": args.order, "started": dt.datetime.now().isoformat(
        timespec="seconds"), "loadavg_start": os.getloadavg(), "queries": {}}
    try:
        with conn.cursor() as cur:
            for name, sql in QUERIES.items():
                sql = sql.replace("{order}", ORDERS[args.order])
                times, plan = [], ""
                for _ in range(args.runs + 1):  # the first run warms the cache and is not counted
                    cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = "\n".join(row[0] for row in cur.fetchall())
                    times.append(float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)))
                times = times[1:]
                nodes = list(dict.fromkeys(" ".join(part for part in m if part) for m in NODES.findall(plan)))
                buffers = re.search(r"Buffers: ([^\n]+)", plan)
                out["queries"][name] = {
                    "sql": sql, "ms": times, "median_ms": round(statistics.median(times), 2),
                    "max_ms": round(max(times), 2), "nodes": nodes, "top_buffers": buffers.group(1) if buffers
                    else "", "plan": plan.splitlines()[:30],
                }
                print(f"{name:24s} median {statistics.median(times):8.2f} ms  max {max(times):8.2f} ms  "
                      f"{'; '.join(nodes)}")
    finally:
        conn.close()
    out["loadavg_end"] = os.getloadavg()
    common.RESULTS_DIR.mkdir(exist_ok=True)
    label = f"-{args.label}" if args.label else ""
    path = common.RESULTS_DIR / f"headroom-plans{label}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"load average {out['loadavg_start']} -> {out['loadavg_end']}; {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
