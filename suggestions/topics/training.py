"""Learn the topic model from the institution's own registered appeals.

1. Count the registered appeals of the training window per topic the form
   offers; if any topic has fewer than TOPICS_MIN_APPEALS_PER_TOPIC, stop
   (NotEnoughAppeals): a model that never saw a topic cannot suggest it.
2. Stream the appeals in primary-key order, a chunk at a time (a server-side
   cursor on PostgreSQL), and fit a linear model chunk by chunk
   (SGDClassifier.partial_fit with the logistic loss, so it gives
   probabilities). Memory stays flat whatever the number of appeals; a small
   institution's appeals are read several times (passes) so that the model sees
   enough examples.
3. Every HOLDOUT_EVERY-th appeal (by primary key) is kept out of training and
   scores the model: top-1 and top-3 accuracy go into the version's description.

The label is the appeal's topic (the question the registrar registered it
under); only topics the form offers now are learned.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from appeals.models import Appeal
from classifiers.models import Topic
from suggestions.topics.features import WordGramHasher
from suggestions.topics.model import TopicModel

log = logging.getLogger(__name__)

CHUNK = 10_000
HOLDOUT_EVERY = 20
HOLDOUT_MAX = 20_000
# A small set is read again until the model has seen about this many examples.
TARGET_EXAMPLES = 30_000
MAX_PASSES = 5
ALPHA = 1e-5


class NotEnoughAppeals(Exception):
    """Some offered topic has fewer registered appeals than the setting asks for."""

    def __init__(self, counts: dict[str, int], minimum: int) -> None:
        self.counts = counts
        self.minimum = minimum
        short = ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()) if n < minimum)
        super().__init__(f"fewer than {minimum} registered appeals for {short}")


@dataclass
class Sample:
    pk: int
    text: str
    code: str


def offered_codes() -> dict[int, str]:
    """The questions the form offers now: topic id -> code."""
    return dict(Topic.objects.offered().values_list("pk", "code"))


def registered_appeals(topic_ids: Iterable[int]) -> QuerySet[Appeal]:
    """The registered appeals of the training window under the given topics."""
    since = timezone.now() - timedelta(days=365 * settings.TOPICS_TRAINING_YEARS)
    return Appeal.objects.filter(registered_at__isnull=False, registered_at__gte=since, topic_id__in=list(topic_ids))


def topic_counts(topics: dict[int, str]) -> dict[str, int]:
    counts = {code: 0 for code in topics.values()}
    rows = registered_appeals(topics).order_by().values_list("topic_id").annotate(n=Count("id"))
    for topic_id, n in rows:
        counts[topics[topic_id]] = n
    return counts


def database_samples(topics: dict[int, str]) -> Iterator[Sample]:
    rows = registered_appeals(topics).order_by("pk").values_list("pk", "text", "topic_id")
    for pk, text, topic_id in rows.iterator(chunk_size=CHUNK):
        yield Sample(pk, text, topics[topic_id])


def chunks(samples: Iterable[Sample], size: int = CHUNK) -> Iterator[list[Sample]]:
    chunk: list[Sample] = []
    for sample in samples:
        chunk.append(sample)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def train_from_database() -> TopicModel:
    """Train on the registered appeals; raise NotEnoughAppeals when some topic has too few."""
    topics = offered_codes()
    counts = topic_counts(topics)
    minimum = settings.TOPICS_MIN_APPEALS_PER_TOPIC
    if not counts or min(counts.values()) < max(minimum, 1):
        raise NotEnoughAppeals(counts, max(minimum, 1))
    return fit(lambda: database_samples(topics), codes=sorted(counts), counts=counts)


def fit(read: Callable[[], Iterable[Sample]], *, codes: list[str], counts: dict[str, int] | None = None) -> TopicModel:
    """Fit on the samples `read()` yields (called once per pass); hold every HOLDOUT_EVERY-th out."""
    from sklearn.linear_model import SGDClassifier  # only training needs scikit-learn

    started = time.monotonic()
    vectorizer = WordGramHasher()
    classifier = SGDClassifier(loss="log_loss", alpha=ALPHA, random_state=59)
    classes = np.array(codes)
    total = sum(counts.values()) if counts else None
    passes = 1 if total is None else max(1, min(MAX_PASSES, math.ceil(TARGET_EXAMPLES / max(total, 1))))
    holdout: list[Sample] = []
    trained = 0
    for number in range(passes):
        for chunk in chunks(read()):
            train = [s for s in chunk if s.pk % HOLDOUT_EVERY]
            if number == 0 and len(holdout) < HOLDOUT_MAX:
                holdout.extend(s for s in chunk if not s.pk % HOLDOUT_EVERY)
            if not train:
                continue
            classifier.partial_fit(vectorizer.transform([s.text for s in train]), [s.code for s in train],
                                   classes=classes)
            trained += len(train)
        log.info("topic model: pass %d of %d, %d examples so far", number + 1, passes, trained)
    if not trained:
        raise NotEnoughAppeals(counts or {}, 1)
    coef = sp.csr_matrix(classifier.coef_)
    coef.eliminate_zeros()
    model = TopicModel(
        codes=[str(c) for c in classifier.classes_],
        coef=coef,
        intercept=np.asarray(classifier.intercept_, dtype=np.float64),
        vectorizer=vectorizer,
    )
    top1, top3 = accuracy(model, [(s.text, s.code) for s in holdout[:HOLDOUT_MAX]])
    model.meta = {
        "trained_at": timezone.now().isoformat(),
        "examples": trained // passes,
        "passes": passes,
        "counts": counts or {},
        "holdout": {"size": min(len(holdout), HOLDOUT_MAX), "top1": top1, "top3": top3},
        "seconds": round(time.monotonic() - started, 1),
        "window_years": settings.TOPICS_TRAINING_YEARS,
    }
    return model


def accuracy(model: TopicModel, labelled: list[tuple[str, str]]) -> tuple[float | None, float | None]:
    """Top-1 and top-3 accuracy of the model on (text, code) pairs; None when there are none."""
    if not labelled:
        return None, None
    hits1 = hits3 = 0
    for start in range(0, len(labelled), CHUNK):
        part = labelled[start:start + CHUNK]
        probs = model.probabilities([text for text, _ in part])
        order = np.argsort(-probs, axis=1, kind="stable")[:, :3]
        for (_, code), best in zip(part, order, strict=True):
            ranked = [model.codes[i] for i in best]
            hits1 += ranked[0] == code
            hits3 += code in ranked
    return hits1 / len(labelled), hits3 / len(labelled)
