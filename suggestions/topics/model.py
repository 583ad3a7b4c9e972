"""The topic model as it is stored and used: a linear classifier over WordGramHasher features.

A version is one .npz file (numpy's archive, read with allow_pickle=False, so a
file in the storage cannot run code when it is loaded): the vectorizer's
parameters, the topic codes, the weights as a sparse matrix (most hashed columns
never occur) and a JSON description of how and on what it was trained.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from suggestions.topics.features import WordGramHasher


@dataclass
class TopicModel:
    """Topic codes, weights and the vectorizer that made the features; `meta` says how it was trained."""

    codes: list[str]
    coef: sp.csr_matrix  # topics x features
    intercept: np.ndarray  # topics
    vectorizer: WordGramHasher
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # features x topics, dense: a few megabytes, and a text's scores are one
        # sparse-by-dense product with no conversion per call.
        self._weights = np.ascontiguousarray(self.coef.T.toarray(), dtype=np.float64)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """One row per text: each topic's probability (one-vs-rest logistic scores, normalised)."""
        features = self.vectorizer.transform(texts)
        scores = np.asarray(features @ self._weights) + self.intercept
        probs = 1.0 / (1.0 + np.exp(-scores))
        if self.coef.shape[0] == 1:  # scikit-learn keeps one score for two classes
            probs = np.hstack([1 - probs, probs])
        total = probs.sum(axis=1, keepdims=True)
        total[total == 0] = 1.0
        return probs / total

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k most probable topic codes with their probability, best first."""
        probs = self.probabilities([text])[0]
        order = np.argsort(-probs, kind="stable")[:k]
        return [(self.codes[i], float(probs[i])) for i in order]

    # --- the stored form ------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        coef = self.coef.astype(np.float32)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            codes=np.array(self.codes, dtype=str),
            coef_data=coef.data, coef_indices=coef.indices, coef_indptr=coef.indptr,
            coef_shape=np.array(coef.shape, dtype=np.int64),
            intercept=np.asarray(self.intercept, dtype=np.float64),
            vectorizer=np.array(json.dumps(self.vectorizer.params())),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TopicModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            coef = sp.csr_matrix(
                (archive["coef_data"], archive["coef_indices"], archive["coef_indptr"]),
                shape=tuple(int(n) for n in archive["coef_shape"]),
            )
            return cls(
                codes=[str(code) for code in archive["codes"]],
                coef=coef,
                intercept=archive["intercept"],
                vectorizer=WordGramHasher(**json.loads(str(archive["vectorizer"]))),
                meta=json.loads(str(archive["meta"])),
            )
