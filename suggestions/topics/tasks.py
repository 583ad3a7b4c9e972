"""The beat task that retrains the topic model (CELERY_BEAT_SCHEDULE "suggestions-retrain-topics")."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="suggestions.topics.tasks.retrain_topic_model", ignore_result=True)
def retrain_topic_model() -> str | None:
    """Train a new version on the registered appeals and make it current (or switch off: too few)."""
    from suggestions.topics.service import retrain

    return retrain()
