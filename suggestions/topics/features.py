"""Turn an appeal's text into a sparse feature vector: hashed character n-grams of its words.

Character 3- to 5-grams inside word boundaries (" об", "жити", "тии ") make «общежитие»,
«общежитии» and a typo «обшежитии» share most of their features, which is what
Russian inflection and hurried typing need; the whole word is one more feature.
Measured on the held-back set (bench/README.md, issue 12), lemmas from pymorphy3
added nothing measurable on top of this, so there is no dictionary to ship;
3-grams did better there than 2-grams, and 2**18 columns as well as 2**20.

The n-grams of a word depend only on the word, so each distinct word is hashed
once and its columns are kept (a bounded vocabulary): scikit-learn's
HashingVectorizer(analyzer="char_wb") builds every n-gram of every document
again and was about ten times slower, too slow for a million appeals. The
hashing itself is scikit-learn's FeatureHasher (MurmurHash3), so the column of
an n-gram is the same in every process and every version.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import count, islice

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher
from sklearn.preprocessing import normalize

# A run of more than 40 word characters (a pasted link, a number run) is cut into pieces.
WORD = re.compile(r"\w{1,40}")
# Fewer texts than this are hashed n-gram by n-gram; more go through the vocabulary.
FEW = 64


class WordGramHasher:
    """Hashed, log-scaled, L2-normalised counts of the words' character n-grams and the words.

    A chunk of texts becomes a documents x words count matrix (one dictionary
    look-up per word), multiplied by the words x columns matrix of the n-grams
    of every word seen so far: the counting, summing and sorting run in
    scipy's compiled code.
    """

    def __init__(self, *, n_features: int = 2**18, min_n: int = 3, max_n: int = 5,
                 vocabulary_size: int = 500_000) -> None:
        self.n_features = n_features
        self.min_n = min_n
        self.max_n = max_n
        self.vocabulary_size = vocabulary_size
        self._hasher = FeatureHasher(n_features=n_features, input_type="string", alternate_sign=False)
        self._forget()

    def _forget(self) -> None:
        self._vocabulary: defaultdict[str, int] = defaultdict(count().__next__)
        self._grams = sp.csr_matrix((0, self.n_features), dtype=np.float64)

    def params(self) -> dict[str, int]:
        """What a stored model needs to rebuild the same vectorizer."""
        return {"n_features": self.n_features, "min_n": self.min_n, "max_n": self.max_n}

    @staticmethod
    def words(text: str) -> list[str]:
        return WORD.findall(text.lower().replace("ё", "е"))

    def grams(self, word: str) -> list[str]:
        padded = f" {word} "
        found = [f"w:{word}"]
        for n in range(self.min_n, min(self.max_n, len(padded)) + 1):
            found.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
        return found

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """One row per text; the same numbers whichever way they are counted."""
        counts = self._count_few(texts) if len(texts) < FEW else self._count_many(texts)
        counts.data = np.log1p(counts.data)
        return normalize(counts, copy=False)

    def _count_few(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Hash every n-gram of the texts: for the one text of a suggestion, no vocabulary grows."""
        return sp.csr_matrix(
            self._hasher.transform([[g for word in self.words(text) for g in self.grams(word)] for text in texts]),
            dtype=np.float64,
        )

    def _count_many(self, texts: Sequence[str]) -> sp.csr_matrix:
        if len(self._vocabulary) > self.vocabulary_size:
            # The rare words of a long run: start again rather than grow without bound.
            self._forget()
        vocabulary = self._vocabulary
        known = len(vocabulary)
        documents = [self.words(text) for text in texts]
        ids = [vocabulary[word] for words in documents for word in words]
        if len(vocabulary) > known:
            new = list(islice(reversed(vocabulary), len(vocabulary) - known))[::-1]
            self._grams = sp.vstack(
                [self._grams, self._hasher.transform([self.grams(word) for word in new])], format="csr"
            )
        indptr = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum([len(words) for words in documents], out=indptr[1:])
        counts = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.float64), np.asarray(ids, dtype=np.int64), indptr),
            shape=(len(documents), len(vocabulary)),
        )
        return sp.csr_matrix(counts @ self._grams)
