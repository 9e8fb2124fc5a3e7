"""WordCharTfidf gives exactly scikit-learn's matrices, only faster."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tierdesk.classify.features import WordCharTfidf, _char_wb_ngrams

TEXTS = [
    "My card has not arrived yet",
    "card  arrived\tbroken\nplease help",
    "Drucker für Büro defekt",
    "无法登录crm系统",
    "a",
    "",
    "I  I  I",
]


def test_char_ngrams_match_scikit_learn() -> None:
    features = WordCharTfidf().fit(TEXTS)
    analyzer = features.char_.build_analyzer()
    for word in ["a", "ab", "card", "无法登录crm系统"]:
        assert sorted(_char_wb_ngrams(word, (2, 5))) == sorted(analyzer(word))


def test_transform_equals_tfidf_vectorizer() -> None:
    features = WordCharTfidf(char_min_df=1).fit(TEXTS)
    unseen = ["cards arriving late", "Büro", "totally new words here", ""]
    for batch in (TEXTS, unseen):
        expected = features.char_.transform(batch)
        actual = features.transform_chars(batch)
        assert actual.shape == expected.shape
        assert abs(actual - expected).max() < 1e-6


def test_cache_reuse_gives_same_result() -> None:
    features = WordCharTfidf(char_min_df=1).fit(TEXTS)
    first = features.transform(TEXTS)
    second = features.transform(TEXTS)
    assert (first != second).nnz == 0


def test_output_joins_word_and_char_features() -> None:
    features = WordCharTfidf(char_min_df=1).fit(TEXTS)
    matrix = features.transform(TEXTS[:2])
    assert sp.issparse(matrix)
    assert matrix.shape[1] == features.n_features_out_
    assert len(features.get_feature_names_out()) == features.n_features_out_
    assert matrix.dtype == np.float32


def test_pickle_drops_cache() -> None:
    features = WordCharTfidf(char_min_df=1).fit(TEXTS)
    features.transform(TEXTS)
    assert "_cache" not in features.__getstate__()


def test_transform_one_equals_matrix_row() -> None:
    features = WordCharTfidf(char_min_df=1).fit(TEXTS)
    for text in [*TEXTS, "cards arriving late", "unseen zzz words"]:
        indices, values = features.transform_one(text)
        row = features.transform([text]).toarray()[0]
        dense = np.zeros_like(row, dtype=np.float64)
        dense[indices] = values
        assert np.allclose(dense, row, atol=1e-6)


def test_word_transform_equals_tfidf_vectorizer() -> None:
    features = WordCharTfidf(char_min_df=1).fit(TEXTS)
    for batch in (TEXTS, ["cards arriving late", "", "my card my card"]):
        expected = features.word_.transform(batch)
        actual = features.transform_words(batch)
        assert actual.shape == expected.shape
        assert abs(actual - expected).max() < 1e-6
