"""Topic suggestion (issue 12 item 3): a model learned from the institution's registered appeals.

`suggest(text)` gives the three most probable topic codes with their
confidence, or nothing; `service.retrain()` trains a new version (the beat task
suggestions.topics.tasks.retrain_topic_model and `manage.py train_topic_model`).
"""

from __future__ import annotations


def suggest(text: str) -> list[tuple[str, float]]:
    """The top three topic codes of the classifier for the text with their confidence (0..1), or []."""
    from suggestions.topics.service import suggest as _suggest

    return _suggest(text)
