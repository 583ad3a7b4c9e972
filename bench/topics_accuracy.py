#!/usr/bin/env python
"""Accuracy of the topic model on the hand-written held-back set, trained in memory on generated texts.

    .venv/bin/python bench/topics_accuracy.py                  # 100, 1000 generated texts per topic, 3 seeds
    .venv/bin/python bench/topics_accuracy.py --lemmas         # the same with words lemmatised by pymorphy3
                                                               # (pip install pymorphy3 first: not a requirement)

No database: the texts come from the load generator's own text function
(generate_appeals.Generator.text), every 20th is held out as in training, and
the model is fitted by suggestions.topics.training.fit. Prints top-1 and top-3
on the generated texts held out and on the held-back set, per size, mean and
range over the seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appeals_portal.settings")

import django  # noqa: E402

django.setup()

from appeals.management.commands.generate_appeals import Generator  # noqa: E402
from suggestions.topics.features import WordGramHasher  # noqa: E402
from suggestions.topics.training import Sample, accuracy, fit  # noqa: E402

CODES = [f"0000.0000.0000.{q}" for q in ("0046", "0120", "0272", "0277", "0527", "0654", "0658")]
HELD_BACK = ROOT / "tests" / "suggestions" / "topics_heldback.json"


def use_lemmas() -> None:
    """Replace each word by its normal form (pymorphy3) before the n-grams are taken."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer()
    plain = WordGramHasher.words

    @lru_cache(maxsize=200_000)
    def lemma(word: str) -> str:
        return morph.parse(word)[0].normal_form.replace("ё", "е")

    WordGramHasher.words = staticmethod(lambda text: [lemma(w) for w in plain(text)])  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="generated texts per topic")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--lemmas", action="store_true")
    args = parser.parse_args()
    if args.lemmas:
        use_lemmas()
    labelled = [(a["text"], a["code"]) for a in json.loads(HELD_BACK.read_text(encoding="utf-8"))["appeals"]]
    for size in args.sizes:
        rows = []
        for seed in range(args.seeds):
            rng = random.Random(1000 * size + seed)
            gen = SimpleNamespace(rng=rng)
            samples = [Sample(i + 1, Generator.text(gen, SimpleNamespace(code=CODES[i % 7], title="")), CODES[i % 7])
                       for i in range(size * len(CODES))]
            rng.shuffle(samples)
            started = time.monotonic()
            model = fit(lambda s=samples: iter(s), codes=CODES, counts=dict.fromkeys(CODES, size))
            top1, top3 = accuracy(model, labelled)
            rows.append((model.meta["holdout"]["top1"], model.meta["holdout"]["top3"], top1, top3,
                         time.monotonic() - started))

        def stat(i: int, rows: list[tuple[float, ...]] = rows) -> str:
            values = [r[i] for r in rows]
            return f"{sum(values) / len(values):.3f} [{min(values):.3f}-{max(values):.3f}]"

        print(f"{'lemmas' if args.lemmas else 'words'} {size:>5}/topic: generated held out top-1 {stat(0)} "
              f"top-3 {stat(1)}; held-back top-1 {stat(2)} top-3 {stat(3)}; {stat(4)} s")


if __name__ == "__main__":
    main()
