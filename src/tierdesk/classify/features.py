"""Text features: word n-grams plus character n-grams inside words.

`WordCharTfidf` gives the same matrix as scikit-learn's `TfidfVectorizer` with
`analyzer="char_wb"` joined to a word-level one, but transforms several times
faster. Character n-grams of `char_wb` never cross a word boundary, so a
document's n-gram counts are the sum of its words' counts. The transform
caches each distinct word's counts once and builds the document counts with a
sparse product instead of re-slicing every word of every ticket.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted


class WordCharTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF over word n-grams and within-word character n-grams, side by side.

    Parameters
    ----------
    word_ngram_range, char_ngram_range : tuple of int
        Smallest and largest n for word and character n-grams.
    char_min_df : int
        Character n-grams seen in fewer training documents are dropped.
    max_cache_words : int
        Distinct words whose character counts are kept between calls; the cache
        is cleared when it grows past this.
    """

    def __init__(
        self,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        char_min_df: int = 2,
        max_cache_words: int = 500_000,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.max_cache_words = max_cache_words

    def fit(self, texts: Sequence[str], y: object = None) -> WordCharTfidf:
        self.word_ = TfidfVectorizer(
            ngram_range=self.word_ngram_range, sublinear_tf=True, dtype=np.float32
        ).fit(texts)
        min_df = self.char_min_df if len(texts) >= 2 * self.char_min_df else 1
        self.char_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngram_range,
            sublinear_tf=True,
            min_df=min_df,
            dtype=np.float32,
        ).fit(texts)
        self.n_features_out_ = len(self.word_.vocabulary_) + len(self.char_.vocabulary_)
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        word_part, char_part = self.transform_parts(texts)
        return sp.hstack([word_part, char_part], format="csr", dtype=np.float32)

    def transform_parts(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Return the word and the character TF-IDF matrices separately.

        A linear model can score each part with its own block of weights, which
        avoids copying both into one matrix.
        """
        return self.transform_words(texts), self.transform_chars(texts)

    def transform_words(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Return the word TF-IDF matrix, equal to `self.word_.transform`."""
        check_is_fitted(self, "word_")
        pattern = self._token_pattern()
        lookup = self.word_.vocabulary_.get
        low, high = self.word_ngram_range
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            tokens = pattern.findall(text.lower())
            for n in range(low, high + 1):
                grams = tokens if n == 1 else map(" ".join, _windows(tokens, n))
                indices.extend(i for i in map(lookup, grams) if i is not None)
            indptr.append(len(indices))
        counts = _counts_matrix(indices, indptr, len(self.word_.vocabulary_))
        return _tfidf_in_place(counts, self._idf("word"))

    def transform_chars(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Return the `char_wb` TF-IDF matrix, equal to `self.char_.transform`."""
        check_is_fitted(self, "char_")
        cache = getattr(self, "_cache", None)
        if cache is None or len(cache) > self.max_cache_words:
            cache = self._cache = {}
        local_ids: dict[str, int] = {}
        doc_word_ids: list[int] = []
        doc_indptr = [0]
        for text in texts:
            for word in text.lower().split():
                index = local_ids.get(word)
                if index is None:
                    index = local_ids[word] = len(local_ids)
                doc_word_ids.append(index)
            doc_indptr.append(len(doc_word_ids))
        n_features = len(self.char_.vocabulary_)
        words = list(local_ids)
        rows = [cache.get(w) or self._count_word(w, cache) for w in words]
        word_counts = _stack_rows(rows, n_features)
        doc_words = _counts_matrix(doc_word_ids, doc_indptr, len(words))
        counts = (doc_words @ word_counts).tocsr()
        counts.sum_duplicates()
        return _tfidf_in_place(counts, self._idf("char"))

    def _token_pattern(self) -> re.Pattern[str]:
        pattern = getattr(self, "_pattern", None)
        if pattern is None:
            pattern = self._pattern = re.compile(self.word_.token_pattern)
        return pattern

    def _idf(self, part: str) -> np.ndarray:
        """Return the part's idf weights as float32, computed once per instance."""
        cached = getattr(self, f"_idf_{part}", None)
        if cached is None:
            vectorizer = self.word_ if part == "word" else self.char_
            cached = vectorizer.idf_.astype(np.float32)
            setattr(self, f"_idf_{part}", cached)
        return cached

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return one document's features as (column indices, values).

        Equal to one row of `transform`, without the cost of building sparse
        matrices and of scikit-learn's input validation, which dominate when a
        service classifies tickets one at a time.
        """
        check_is_fitted(self, "char_")
        word_indices, word_values = self._word_row(text)
        char_indices, char_values = self._char_row(text)
        offset = len(self.word_.vocabulary_)
        return (
            np.concatenate([word_indices, char_indices + offset]),
            np.concatenate([word_values, char_values]),
        )

    def _word_row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        tokens = self._token_pattern().findall(text.lower())
        lookup = self.word_.vocabulary_.get
        low, high = self.word_ngram_range
        counts: dict[int, int] = {}
        for n in range(low, high + 1):
            grams = tokens if n == 1 else map(" ".join, _windows(tokens, n))
            for feature in map(lookup, grams):
                if feature is not None:
                    counts[feature] = counts.get(feature, 0) + 1
        return _tfidf_row(counts, self.word_.idf_)

    def _char_row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        cache = getattr(self, "_cache", None)
        if cache is None or len(cache) > self.max_cache_words:
            cache = self._cache = {}
        counts: dict[int, int] = {}
        for word in text.lower().split():
            indices, values = cache.get(word) or self._count_word(word, cache)
            for feature, count in zip(indices.tolist(), values.tolist(), strict=True):
                counts[feature] = counts.get(feature, 0) + int(count)
        return _tfidf_row(counts, self.char_.idf_)

    def _count_word(
        self, word: str, cache: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray]:
        vocabulary = self.char_.vocabulary_
        counts: dict[int, int] = {}
        for gram in _char_wb_ngrams(word, self.char_ngram_range):
            feature = vocabulary.get(gram)
            if feature is not None:
                counts[feature] = counts.get(feature, 0) + 1
        row = (
            np.fromiter(counts.keys(), dtype=np.int64, count=len(counts)),
            np.fromiter(counts.values(), dtype=np.float32, count=len(counts)),
        )
        cache[word] = row
        return row

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        for name in ("_cache", "_pattern", "_idf_word", "_idf_char"):
            state.pop(name, None)
        return state

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "char_")
        return np.concatenate(
            [self.word_.get_feature_names_out(), self.char_.get_feature_names_out()]
        )


def _char_wb_ngrams(word: str, ngram_range: tuple[int, int]) -> list[str]:
    """Return the n-grams scikit-learn's `char_wb` analyzer makes of one word."""
    padded = f" {word} "
    length = len(padded)
    grams = []
    low, high = ngram_range
    for n in range(low, high + 1):
        if length <= n:
            # A word shorter than n gives one (short) n-gram, then no longer ones.
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(length - n + 1))
    return grams


def _windows(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    return zip(*(tokens[i:] for i in range(n)), strict=False)


def _counts_matrix(indices: list[int], indptr: list[int], n_columns: int) -> sp.csr_matrix:
    """Build a CSR matrix of counts from column indices per row (repeats add up)."""
    matrix = sp.csr_matrix(
        (
            np.ones(len(indices), dtype=np.float32),
            np.asarray(indices, dtype=np.int64),
            np.asarray(indptr, dtype=np.int64),
        ),
        shape=(len(indptr) - 1, n_columns),
    )
    matrix.sum_duplicates()
    return matrix


def _tfidf_in_place(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Turn counts into sublinear TF-IDF with unit l2 rows, as TfidfVectorizer does."""
    data = counts.data
    np.log(data, out=data)
    data += 1.0
    data *= idf[counts.indices]
    lengths = np.diff(counts.indptr)
    rows = np.repeat(np.arange(counts.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    data /= np.repeat(norms, lengths).astype(np.float32)
    return counts


def _tfidf_row(counts: dict[int, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply sublinear term frequency, idf and l2 norm, as TfidfVectorizer does."""
    indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    values = (1.0 + np.log(values)) * idf[indices]
    norm = np.sqrt(values @ values)
    if norm > 0:
        values /= norm
    return indices, values


def _stack_rows(
    rows: list[tuple[np.ndarray, np.ndarray]], n_features: int
) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    if rows:
        np.cumsum([len(indices) for indices, _ in rows], out=indptr[1:])
        indices = np.concatenate([r[0] for r in rows])
        data = np.concatenate([r[1] for r in rows])
    else:
        indices = np.zeros(0, dtype=np.int64)
        data = np.zeros(0, dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_features))
