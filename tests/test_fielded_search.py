"""The growing search index: rank-bm25's scores, incremental == full rebuild, blocks, the fielded ranking."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from indicatorml import precedents as P
from indicatorml.errors import IndicatormlError
from indicatorml.precedents.engine import FieldedIndex, top_k
from indicatorml.precedents.fields import MERGE_FACTOR, FieldIndex
from indicatorml.precedents.postings import build_block, merge_blocks
from indicatorml.precedents.ranking import DEFAULT, Ranking
from indicatorml.segment import search_tokens
from indicatorml.tables import read_tables

QUERIES = ["资金支付及时率", "高标准农田 灌溉", "家庭医生签约服务率", "满意度", "数量", "首店", "培训人次"]


@pytest.fixture(scope="module")
def shipped_rows() -> list[tuple[str, str | None, str | None]]:
    tables = read_tables([str(p) for p in P.default_data_paths()])
    return [(r.indicator, r.project, r.goal) for t in tables for r in t.records if r.indicator.strip()]


@pytest.fixture(scope="module")
def shipped_tokens(shipped_rows) -> list[list[str]]:
    return [search_tokens(text) for text, _, _ in shipped_rows]


def _grown(docs: list[list[str]], seed: int, most: int = 60) -> FieldIndex:
    """A FieldIndex fed ``docs`` in random-sized tables of 1..most rows."""
    f, rng, i = FieldIndex(), random.Random(seed), 0
    while i < len(docs):
        m = rng.randint(1, most)
        f.add(docs[i : i + m])
        i += m
    return f


# ------------------------------------------------------------------ FieldIndex = rank-bm25
def test_field_index_scores_equal_rank_bm25(shipped_tokens):
    ours, ref = _grown(shipped_tokens, 1), BM25Okapi(shipped_tokens)
    for q in QUERIES:
        np.testing.assert_allclose(
            ours.scores(search_tokens(q)), ref.get_scores(search_tokens(q)), rtol=1e-12, atol=0
        )


def test_field_index_scores_bit_for_bit_as_the_bm25_engine(shipped_tokens):
    """bm25.BM25 keeps float64 values when some IDF is negative: then both compute the same
    float64 expressions, so the scores must be equal to the last bit (a word in every row with
    a negative epsilon gives a negative IDF)."""
    corpus = [[*d, "每行都有"] for d in shipped_tokens]
    ref = P.BM25(epsilon=-0.25).index(corpus)
    assert ref.data.dtype == np.float64
    grown = FieldIndex(epsilon=-0.25)
    for i in range(0, len(corpus), 50):
        grown.add(corpus[i : i + 50])
    for q in QUERIES:
        tokens = [*search_tokens(q), "每行都有"]
        assert np.array_equal(grown.scores(tokens), ref.get_scores(tokens)), q


@pytest.mark.parametrize(
    "corpus, query",
    [
        ([["a", "b"], ["a", "b", "c"], ["a"]], ["a", "b", "c"]),  # negative mean IDF: the floor is negative
        (
            [["x", "a"], ["x", "b"], ["x", "c"], ["x", "x", "d"], ["e"]],
            ["x", "a", "x"],
        ),  # repeated query word
        ([[], ["a", "b"], ["b"], ["c"]], ["b", "c", "zz"]),  # empty document, unknown word
    ],
)
def test_edge_cases_equal_rank_bm25_when_grown_one_document_at_a_time(corpus, query):
    f = FieldIndex()
    for d in corpus:
        f.add([d])
    np.testing.assert_allclose(f.scores(query), BM25Okapi(corpus).get_scores(query), rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ incremental == full rebuild
def test_growing_table_by_table_scores_bit_for_bit_as_a_full_build(shipped_tokens):
    full = FieldIndex()
    full.add(shipped_tokens)
    for seed in (1, 2, 3):
        grown = _grown(shipped_tokens, seed)
        assert grown.n_docs == full.n_docs and np.array_equal(grown.df, full.df)
        for q in QUERIES:
            assert np.array_equal(grown.scores(search_tokens(q)), full.scores(search_tokens(q))), (seed, q)


def test_blocks_stay_few_and_geometric(shipped_tokens):
    f = FieldIndex()
    adds = 0
    for i in range(0, len(shipped_tokens), 7):
        f.add(shipped_tokens[i : i + 7])
        adds += 1
        sizes = [b.n_docs for b in f.blocks]
        # each block is more than MERGE_FACTOR times the next one: O(log n) blocks
        assert all(a > MERGE_FACTOR * b for a, b in zip(sizes, sizes[1:], strict=False)), sizes
        assert sum(sizes) == f.n_docs
        assert [b.first for b in f.blocks] == [0, *np.cumsum(sizes)[:-1].tolist()]
    assert adds > 90 and len(f.blocks) <= 8


def test_merging_two_blocks_equals_building_one(shipped_tokens):
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in d] for d in shipped_tokens]
    for cut in (1, 100, 350, len(ids) - 1):
        merged = merge_blocks(build_block(0, ids[:cut]), build_block(cut, ids[cut:]))
        whole = build_block(0, ids)
        for name in ("terms", "indptr", "docs", "tf"):
            assert np.array_equal(getattr(merged, name), getattr(whole, name)), (cut, name)
    with pytest.raises(ValueError, match="not adjacent"):
        merge_blocks(build_block(0, ids[:10]), build_block(11, ids[11:20]))


def test_a_huge_term_frequency_widens_the_block():
    b = build_block(0, [[0] * 70_000, [0, 1]])
    assert b.tf.dtype == np.int32 and b.postings(0)[1].tolist() == [70_000, 1]
    assert build_block(0, [[0, 0], [1]]).tf.dtype == np.uint16
    assert b.postings(5) is None


def test_big_first_build_in_chunks_keeps_documents_ascending():
    rng = random.Random(5)
    docs = [[rng.randrange(50) for _ in range(rng.randint(0, 6))] for _ in range(45_000)]  # > one chunk
    b = build_block(0, docs)
    for term in range(50):
        hit = b.postings(term)
        if hit is None:
            continue
        d, tf = hit
        assert (np.diff(d) > 0).all()
        expect = [(i, doc.count(term)) for i, doc in enumerate(docs) if term in doc]
        assert list(zip(d.tolist(), tf.tolist(), strict=True)) == expect


# ------------------------------------------------------------------ FieldedIndex
def test_fielded_index_is_the_weighted_sum_of_its_fields(shipped_rows):
    ix = FieldedIndex()
    ix.add_texts(shipped_rows)
    fields = [DEFAULT.doc_fields(*r) for r in shipped_rows]
    for q in QUERIES:
        scores, matched = ix.scores(q)
        qf = DEFAULT.query_fields(q)
        want = sum(
            w * BM25Okapi([f[name] for f in fields], k1=DEFAULT.k1, b=DEFAULT.b).get_scores(qf[name])
            for name, w in DEFAULT.weights().items()
        )
        np.testing.assert_allclose(scores, want, rtol=1e-9, atol=1e-12)
        shares = [any(set(qf[n]) & set(f[n]) for n in DEFAULT.weights()) for f in fields]
        assert matched.tolist() == shares


def test_search_ties_and_mask():
    ix = FieldedIndex(Ranking(context_weight=0))
    ix.add_texts([("资金支付及时率", None, None), ("植树数量", None, None), ("资金支付及时率", None, None)])
    assert [i for i, _ in ix.search("资金支付及时率", 5)] == [0, 2]  # 植树数量 shares nothing; ties by id
    mask = np.array([False, True, True])
    assert [i for i, _ in ix.search("资金支付及时率", 5, mask)] == [2]
    assert ix.search("资金支付及时率", 0) == []
    assert top_k(np.array([1.0, 3.0, 3.0, 2.0]), np.array([0, 1, 2, 3]), 2).tolist() == [1, 2]


def test_topic_query_finds_the_projects_indicators(shipped_rows):
    """The relevance problem of issue 17: 「高标准农田 灌溉」 found one row, then 补助标准 rows."""
    ix = FieldedIndex()
    ix.add_texts(shipped_rows)
    projects = [shipped_rows[i][1] for i, _ in ix.search("高标准农田 灌溉", 10)]
    assert projects == ["岳阳县2022年高标准农田建设项目"] * 10
    old = P.BM25().index([search_tokens(r[0]) for r in shipped_rows])
    old_projects = [
        shipped_rows[i][1] for i, _ in old.search(search_tokens("高标准农田 灌溉"), 10, matched_only=True)
    ]
    assert old_projects.count("岳阳县2022年高标准农田建设项目") == 1  # the behaviour this change fixes


def test_save_load_round_trip_and_damage(shipped_rows, tmp_path):
    ix = FieldedIndex()
    half = len(shipped_rows) // 2
    ix.add_texts(shipped_rows[:half])
    ix.add_texts(shipped_rows[half:])
    ix.save(tmp_path / "ix")
    loaded = FieldedIndex.load(tmp_path / "ix")
    assert loaded.ranking == ix.ranking and loaded.n_docs == len(shipped_rows)
    for q in QUERIES:
        assert loaded.search(q, 10) == ix.search(q, 10)
    loaded.add_texts([("新增首店数量", "首店经济", None)])  # a loaded index keeps growing
    assert loaded.search("首店", 1)[0][0] == len(shipped_rows)
    docs = np.load(tmp_path / "ix" / "words.docs.npy")
    docs[0] = 10**6
    np.save(tmp_path / "ix" / "words.docs.npy", docs)
    with pytest.raises(IndicatormlError, match="words 字段的各数组对不上"):
        FieldedIndex.load(tmp_path / "ix")
    ix.save(tmp_path / "ix2")
    (tmp_path / "ix2" / "context.tf.npy").unlink()
    with pytest.raises(IndicatormlError, match="缺少 context.tf.npy"):
        FieldedIndex.load(tmp_path / "ix2")


def test_an_index_saved_before_the_fielded_ranking_is_refused_with_a_message(tmp_path):
    """Saved indexes of version 1 hold pre-scored BM25 arrays for indicators: rebuild them."""
    t = read_tables([str(p) for p in P.default_data_paths()])
    P.PrecedentIndex.from_tables(t[1:]).save(tmp_path / "ix")
    meta = json.loads((tmp_path / "ix" / "index.json").read_text(encoding="utf-8"))
    assert meta["version"] == 2
    meta["version"] = 1
    (tmp_path / "ix" / "index.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndicatormlError, match="不支持索引版本 1;请用 indicatorml index build 重新建立索引"):
        P.load_index(tmp_path / "ix")
