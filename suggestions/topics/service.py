"""Train, store and serve the topic model: what the task, the command and the registrar's pages call."""

from __future__ import annotations

import logging
import threading
import time
import zipfile

from django.conf import settings

from suggestions.topics import store
from suggestions.topics.model import TopicModel
from suggestions.topics.training import NotEnoughAppeals, offered_codes, train_from_database

log = logging.getLogger(__name__)


def retrain() -> str | None:
    """Train on the registered appeals and make the result current; return the new version.

    When some offered topic has too few registered appeals, the current model
    is switched off (a topic it never learned would never be suggested) and
    None is returned.
    """
    try:
        model = train_from_database()
    except NotEnoughAppeals as exc:
        log.info("topic model not trained: %s", exc)
        store.switch_off(str(exc), exc.counts)
        return None
    version = store.save_model(model)
    store.make_current(version, model)
    deleted = store.prune()
    log.info("topic model %s is current (%s examples, held-out top-1 %s); deleted %s",
             version, model.meta["examples"], model.meta["holdout"]["top1"], deleted or "none")
    return version


class _Loaded:
    """The model this process uses, checked against the pointer at most every TOPICS_RELOAD_SECONDS."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at: float | None = None
        self.version: str | None = None
        self.model: TopicModel | None = None
        self.offered: frozenset[str] = frozenset()

    def get(self) -> tuple[TopicModel | None, frozenset[str]]:
        with self.lock:
            now = time.monotonic()
            if self.checked_at is None or now - self.checked_at >= settings.TOPICS_RELOAD_SECONDS:
                self.refresh()
                self.checked_at = now
            return self.model, self.offered

    def refresh(self) -> None:
        version = store.read_pointer().get("version")
        if version != self.version:
            try:
                self.model = store.load_model(version) if version else None
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                # A pointer to a version that cannot be read: suggest nothing
                # rather than fail the registrar's page.
                log.error("topic model %s cannot be loaded: %s", version, exc)
                self.model = None
            self.version = version
        self.offered = frozenset(offered_codes().values())

    def forget(self) -> None:
        with self.lock:
            self.checked_at = None
            self.version = None
            self.model = None


loaded = _Loaded()


def suggest(text: str) -> list[tuple[str, float]]:
    """The three most probable topic codes for the text with their confidence, best first.

    Empty when there is no current model (never trained, or some topic has too
    few registered appeals), when the form offers a topic the model never
    learned, when the text has no words, or when even the best topic's
    confidence is below TOPICS_MIN_CONFIDENCE_PERCENT.
    """
    model, offered = loaded.get()
    if model is None or not text.strip() or not offered <= set(model.codes):
        return []
    ranked = [(code, p) for code, p in model.top(text, k=len(model.codes)) if code in offered][:3]
    if not ranked or ranked[0][1] * 100 < settings.TOPICS_MIN_CONFIDENCE_PERCENT:
        return []
    return [(code, round(p, 4)) for code, p in ranked]
