#!/usr/bin/env python
"""Train the topic model on the registered appeals of three years and measure it (issue 12 item 3).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/appeals_bench_topics   # 1,000,000 generated appeals
    PRIVATE_STORAGE_ROOT=/tmp/topics-bench .venv/bin/python bench/topics_train.py  # results/topics-train-<date>.json
    PRIVATE_STORAGE_ROOT=/tmp/topics-bench .venv/bin/python bench/topics_train.py --current  # steps 3-6 only

Method (bench/README.md, "Topic suggestion"):
 1. the rows: registered appeals of the last TOPICS_TRAINING_YEARS per offered topic, the load average;
 2. service.retrain() in this process, as the beat task runs it: wall time, this process's CPU time (the
    wall time on a shared machine depends on the neighbours) and its peak resident memory (ru_maxrss,
    which includes the Python interpreter, Django and the libraries);
 3. the new version's score on the generated appeals it held out (every 20th by primary key);
 4. its top-1 and top-3 accuracy on the hand-written held-back set (tests/suggestions/topics_heldback.json);
 5. suggest() on each held-back text, 5 rounds: the time per appeal (p50, p95) once the model is loaded;
 6. how many held-back appeals get a suggestion at each confidence threshold, and how often it is right.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from suggestions import topics  # noqa: E402
from suggestions.topics import service, store  # noqa: E402
from suggestions.topics.model import TopicModel  # noqa: E402
from suggestions.topics.training import accuracy, offered_codes, topic_counts  # noqa: E402

HELD_BACK = ROOT / "tests" / "suggestions" / "topics_heldback.json"


def thresholds(model: TopicModel, labelled: list[tuple[str, str]]) -> list[dict[str, float]]:
    """At each threshold: how many texts get a suggestion, and its top-1 and top-3 accuracy."""
    ranked = [(model.top(text), code) for text, code in labelled]
    rows = []
    for threshold in (0.0, 0.3, 0.4, 0.5, 0.6):
        shown = [(top, code) for top, code in ranked if top[0][1] >= threshold]
        n = max(len(shown), 1)
        rows.append({"threshold": threshold, "shown": len(shown),
                     "top1": sum(top[0][0] == code for top, code in shown) / n,
                     "top3": sum(code in [c for c, _ in top] for top, code in shown) / n})
        print(f"  confidence >= {threshold:.0%}: {len(shown)} of {len(labelled)} get a suggestion, "
              f"top-1 {rows[-1]['top1']:.3f}, top-3 {rows[-1]['top3']:.3f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--current", action="store_true", help="measure the current version, do not train")
    args = parser.parse_args()
    load_before = os.getloadavg()
    counts = topic_counts(offered_codes())
    print(f"database {connection.settings_dict['NAME']}: {sum(counts.values())} registered appeals "
          f"in {settings.TOPICS_TRAINING_YEARS} years, per topic {counts}")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_before = usage.ru_maxrss / 1024
    started = time.monotonic()
    version = store.read_pointer().get("version") if args.current else service.retrain()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    peak = after.ru_maxrss / 1024
    # On a shared machine the wall time depends on the neighbours; the CPU time of this process does not
    # (PostgreSQL's own work, reading the rows, is in its server process, not counted here).
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    if version is None:
        raise SystemExit(f"no model: {store.read_pointer()}")
    model = store.load_model(version)
    print(f"{'measured' if args.current else 'trained'} {version} in {seconds:.1f} s ({cpu:.1f} s CPU), "
          f"peak RSS {peak:.0f} MB (before training {rss_before:.0f} MB); "
          f"{model.meta['examples']} examples x {model.meta['passes']} passes; held out {model.meta['holdout']}")

    appeals = json.loads(HELD_BACK.read_text(encoding="utf-8"))["appeals"]
    labelled = [(a["text"], a["code"]) for a in appeals]
    top1, top3 = accuracy(model, labelled)
    print(f"held-back set ({len(labelled)} hand-written appeals): top-1 {top1:.3f}, top-3 {top3:.3f}")

    service.loaded.forget()
    topics.suggest("прогрев")  # the first call loads the model
    times, refused = [], 0
    for _ in range(5):
        for text, _code in labelled:
            t0 = time.perf_counter()
            refused += not topics.suggest(text)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * len(times)) - 1]
    print(f"suggest(): p50 {p50:.2f} ms, p95 {p95:.2f} ms per appeal; "
          f"{refused // 5} of {len(labelled)} refused below {settings.TOPICS_MIN_CONFIDENCE_PERCENT} %")
    by_threshold = thresholds(model, labelled)

    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(), "host": platform.node(), "cpus": os.cpu_count(),
        "database": connection.settings_dict["NAME"], "counts": counts, "version": version,
        "train_seconds": round(seconds, 1), "train_cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(peak), "rss_before_mb": round(rss_before),
        "meta": model.meta,
        "heldback": {"size": len(labelled), "top1": top1, "top3": top3, "by_threshold": by_threshold},
        "trained_here": not args.current,
        "suggest_ms": {"p50": round(p50, 2), "p95": round(p95, 2), "refused": refused // 5},
        "load_before": load_before, "load_after": os.getloadavg(),
    }
    out = ROOT / "bench" / "results" / f"topics-train-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"load average {load_before} -> {result['load_after']}; wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
