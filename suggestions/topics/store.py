"""Versions of the topic model in Django's storage: a file per version and a pointer to the current one.

    suggestions/topics/model-20261201T031500.123456Z-1a2b3c.npz   one trained version
    suggestions/topics/current.json                        {"version": "...", ...} or {"version": null, "reason": ...}

Every process that suggests reads the pointer (at most every
TOPICS_RELOAD_SECONDS) and loads a version it does not have yet, so web and
worker hosts that share the storage (a folder or an S3 bucket) pick up a new
version without a restart. The last TOPICS_KEEP_VERSIONS versions stay, so an
administrator can point back to an earlier one.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone

from suggestions.topics.model import TopicModel

FOLDER = "suggestions/topics"
POINTER = f"{FOLDER}/current.json"


def storage() -> Storage:
    return storages[settings.TOPICS_STORAGE]


def version_path(version: str) -> str:
    return f"{FOLDER}/model-{version}.npz"


def new_version() -> str:
    """A name that sorts by time of training."""
    return f"{timezone.now():%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"


def save_model(model: TopicModel) -> str:
    """Store the model as a new version (not yet current); return its name."""
    version = new_version()
    model.meta["version"] = version
    storage().save(version_path(version), ContentFile(model.to_bytes()))
    return version


def load_model(version: str) -> TopicModel:
    with storage().open(version_path(version), "rb") as fh:
        return TopicModel.from_bytes(fh.read())


def read_pointer() -> dict[str, Any]:
    """What is current: {"version": name} or {"version": None, ...} (no model yet, or switched off)."""
    try:
        with storage().open(POINTER, "rb") as fh:
            pointer = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        return {"version": None, "reason": "never trained"}
    except ValueError:  # a damaged file: not JSON, not UTF-8
        return {"version": None, "reason": "unreadable pointer"}
    return pointer if isinstance(pointer, dict) else {"version": None, "reason": "unreadable pointer"}


def write_pointer(pointer: dict[str, Any]) -> None:
    store = storage()
    content = ContentFile(json.dumps(pointer, ensure_ascii=False, indent=1).encode("utf-8"))
    # Storage.save never overwrites (it would pick another name): replace the
    # file. A reader in between finds no pointer and suggests nothing for that
    # moment; the next check finds the new one.
    if store.exists(POINTER):
        store.delete(POINTER)
    store.save(POINTER, content)


def make_current(version: str, model: TopicModel) -> None:
    write_pointer({"version": version, "since": timezone.now().isoformat(), "meta": model.meta})


def switch_off(reason: str, counts: dict[str, int] | None = None) -> None:
    """No current model: suggestions stop until a training succeeds."""
    write_pointer({"version": None, "since": timezone.now().isoformat(), "reason": reason, "counts": counts or {}})


def versions() -> list[str]:
    """Stored versions, oldest first."""
    try:
        _, files = storage().listdir(FOLDER)
    except FileNotFoundError:
        return []
    return sorted(name[len("model-"):-len(".npz")] for name in files
                  if name.startswith("model-") and name.endswith(".npz"))


def prune(keep: int | None = None) -> list[str]:
    """Keep the newest `keep` versions, the current one among them; delete the rest and return them."""
    keep = max(settings.TOPICS_KEEP_VERSIONS if keep is None else keep, 1)
    current = read_pointer().get("version")
    stored = versions()
    survivors = set(stored[-keep:])
    if current in stored and current not in survivors:
        survivors = {*stored[-(keep - 1):], current} if keep > 1 else {current}
    doomed = [v for v in stored if v not in survivors]
    for version in doomed:
        storage().delete(version_path(version))
    return doomed
