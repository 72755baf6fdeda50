"""Features: the numpy TF-IDF must equal scikit-learn's; tokens and cleaning are pinned."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse import hstack as sp_hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from indicatorml.coding.features import (
    SparseRows,
    TfidfBlock,
    clean_text,
    sparse_dot,
    target_tokens,
    text_tokens,
    to_simplified,
)

TRAIN = [
    "服务企业数量",
    "群众满意度",
    "资金拨付及时率",
    "验收合格率",
    "服务企业满意度",
    "培训人次",
    "培训合格率",
]
TEST = ["服务企业培训人次", "完全陌生的文字", "", "满意度满意度满意度", "Number of firms"]


def _docs(texts):
    return [text_tokens(t) + target_tokens("≥90%" if i % 2 else "5个") for i, t in enumerate(texts)]


def _identity(doc):
    return doc


@pytest.mark.parametrize("sublinear", [True, False])
def test_numpy_tfidf_equals_sklearn_on_the_same_vocabulary(sublinear):
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=sublinear, dtype=np.float64).fit(_docs(TRAIN))
    block = TfidfBlock.from_tokens(list(vec.get_feature_names_out()), vec.idf_, sublinear, 1.0)
    for texts in (TRAIN, TEST):
        ours = block.transform(_docs(texts)).toarray()
        ref = vec.transform(_docs(texts)).toarray()
        assert ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    # a document with no known token is an empty row (zeros), not a row of NaN
    row = block.transform([["w:从未见过", "c:龘"]])
    assert row.indptr.tolist() == [0, 0] and row.n_cols == len(vec.idf_)


def test_block_weight_scales_the_unit_rows():
    vec = TfidfVectorizer(analyzer=_identity, dtype=np.float64).fit(_docs(TRAIN))
    block = TfidfBlock.from_tokens(list(vec.get_feature_names_out()), vec.idf_, False, 0.5)
    dense = block.transform(_docs(TRAIN)).toarray()
    np.testing.assert_allclose(np.linalg.norm(dense, axis=1), 0.5)


def test_hstack_and_sparse_dot_match_scipy():
    rng = np.random.default_rng(0)
    a = rng.random((4, 5)) * (rng.random((4, 5)) > 0.5)
    b = rng.random((4, 3)) * (rng.random((4, 3)) > 0.5)
    a[2] = 0.0  # an empty row in one block
    b[3] = 0.0
    b[2] = 0.0  # row 2 empty in both
    ca, cb = csr_matrix(a), csr_matrix(b)
    sa = SparseRows(ca.indptr.astype(np.int64), ca.indices.astype(np.int64), ca.data, 5)
    sb = SparseRows(cb.indptr.astype(np.int64), cb.indices.astype(np.int64), cb.data, 3)
    st = SparseRows.hstack([sa, sb])
    np.testing.assert_array_equal(st.toarray(), sp_hstack([ca, cb]).toarray())
    w = rng.random((8, 2))
    np.testing.assert_allclose(sparse_dot(st, w), np.hstack([a, b]) @ w, atol=1e-12)
    empty = SparseRows(np.zeros(3, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), 8)
    np.testing.assert_array_equal(sparse_dot(empty, w), np.zeros((2, 2)))


def test_text_tokens_are_words_bigrams_chars_and_head_word():
    assert text_tokens("指标1:服务企业数量(≥**%)", 2, 1, 1) == [
        "w:服务",
        "w:企业",
        "w:数量",
        "w:服务 企业",
        "w:企业 数量",
        "c:服",
        "c:务",
        "c:企",
        "c:业",
        "c:数",
        "c:量",
        "e:数量",
    ]
    assert text_tokens("培训人数（人）", 1, 2, 2) == [
        "w:培训",
        "w:人数",
        "c:培训",
        "c:训人",
        "c:人数",
        "e:人数",
    ]
    assert text_tokens("") == []
    assert text_tokens("！！！") == []


def test_target_tokens():
    assert target_tokens("≥90%") == ["k:percent", "k:≥", "k:percent≥", "u:%", "k:>=80%"]
    assert target_tokens("=100%") == ["k:percent", "k:=", "k:percent=", "u:%", "k:100%"]
    assert target_tokens("") == ["k:empty"]
    assert target_tokens(None) == ["k:empty"]
    assert target_tokens("5个工作日内") == ["k:duration", "k:≤", "k:duration≤", "u:个工作日"]
    assert target_tokens("不少于10家") == ["k:count", "k:≥", "k:count≥", "u:家"]


def test_cleaning_folds_traditional_script_and_strips_noise():
    assert to_simplified("服務對象滿意度") == "服务对象满意度"
    assert clean_text("★指标7.服務對象滿意度（%）") == "服务对象满意度"
    assert clean_text("指标1:工程验收合格率(≥**%)") == "工程验收合格率"
    assert clean_text("培训人数（人）") == "培训人数"
    assert clean_text("x" * 10_000) == "x" * 200


def test_char_ngram_index_finds_exactly_the_c_tokens():
    from indicatorml.coding.features import CharNgramIndex, tokens_of_clean

    texts = [clean_text(t) for t in TRAIN + TEST + ["服务、企业 数量!!培训", "ab12中文cd", "龘龘龘"]]
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float64).fit(_docs(TRAIN))
    block = TfidfBlock.from_tokens(list(vec.get_feature_names_out()), vec.idf_, True, 1.0)
    index = CharNgramIndex(block.vocabulary, 1, 3)
    via_index = block.transform([tokens_of_clean(t, 2, 1, 0) for t in texts], extra=index.lookup(texts))
    via_tokens = block.transform([tokens_of_clean(t, 2, 1, 3) for t in texts])
    np.testing.assert_allclose(via_index.toarray(), via_tokens.toarray(), rtol=0, atol=1e-12)
    rows, cols = index.lookup(["服务服务", "务"])
    tokens = block.tokens
    assert sorted(zip(rows.tolist(), (tokens[c] for c in cols), strict=True)) == [
        (0, "c:务"),
        (0, "c:务"),
        (0, "c:服"),
        (0, "c:服"),
        (0, "c:服务"),
        (0, "c:服务"),
        (1, "c:务"),
    ]
