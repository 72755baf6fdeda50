"""BM25 exactness against rank-bm25, index persistence, precedent search and its CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from indicatorml import precedents as P
from indicatorml import shipped
from indicatorml.cli import main
from indicatorml.errors import IndicatormlError
from indicatorml.precedents.bm25 import BM25
from indicatorml.records import Indicator, Project, Table
from indicatorml.segment import search_tokens
from indicatorml.tables import read_tables

from helpers import corpus_goals

REL = 1e-6


def ref_ranking(scores: np.ndarray, k: int) -> list[int]:
    """rank-bm25's scores ranked best first, ties by lower document index (our documented order)."""
    return np.lexsort((np.arange(len(scores)), -scores))[:k].tolist()


def assert_same(ours: BM25, ref: BM25Okapi, query: list[str], k: int = 10) -> None:
    want = ref.get_scores(query)
    got = ours.get_scores(query)
    np.testing.assert_allclose(got, want, rtol=REL, atol=0)
    hits = ours.search(query, k)
    assert [i for i, _ in hits] == ref_ranking(want, k)
    np.testing.assert_allclose([s for _, s in hits], want[[i for i, _ in hits]], rtol=REL, atol=0)


@pytest.fixture(scope="module")
def shipped_tokens() -> list[list[str]]:
    tables = read_tables([str(p) for p in P.default_data_paths()])
    return [search_tokens(r.indicator) for t in tables for r in t.records]


# ------------------------------------------------------------------------- exactness vs rank-bm25
REAL_QUERIES = [
    "引进首店数量",
    "资金支付及时率",
    "服务对象满意度",
    "培训人次",
    "首店",
    "新增四上商贸企业",
    "受益群众满意度",
    "项目验收合格率",
    "带动就业人数",
    "政策知晓率",
    "设备购置数量",
    "按时完成率",
]


def test_scores_and_top10_equal_rank_bm25_on_shipped_indicators(shipped_tokens, shipped_counts):
    assert len(shipped_tokens) == shipped_counts[0]
    ours, ref = BM25().index(shipped_tokens), BM25Okapi(shipped_tokens)
    for q in REAL_QUERIES:
        tokens = search_tokens(q)
        assert tokens
        assert_same(ours, ref, tokens)
    # the real data has positive IDFs only, so the matrix is float32 (documented)
    assert ours.data.dtype == np.float32


@pytest.mark.parametrize("params", [dict(k1=1.5, b=0.75, epsilon=0.25), dict(k1=1.2, b=0.3, epsilon=0.5)])
def test_parameters_follow_rank_bm25(shipped_tokens, params):
    corpus = shipped_tokens[:150]
    ours, ref = BM25(**params).index(corpus), BM25Okapi(corpus, **params)
    for q in ("资金支付及时率", "满意度", "数量"):
        assert_same(ours, ref, search_tokens(q))


EDGE = {
    "absent word": ([["a", "b"], ["b", "c"], ["c", "d"], ["d"]], ["zz", "a"]),
    "only absent words": ([["a", "b"], ["b", "c"], ["c"]], ["zz", "yy"]),
    "repeated query word": ([["a", "b"], ["b", "c"], ["c", "d"], ["a", "a", "d"]], ["a", "c", "a", "a"]),
    "empty query": ([["a", "b"], ["b", "c"], ["d"]], []),
    "one document": ([["a", "b", "a"]], ["a", "b"]),
    "word in every document": ([["x", "a"], ["x", "b"], ["x", "c"], ["x", "x", "d"], ["e"]], ["x", "a"]),
    "word in every document only": ([["x", "a"], ["x", "b"], ["x"]], ["x"]),
    "negative mean idf": ([["a", "b"], ["a", "b", "c"], ["a"]], ["a", "b", "c"]),
    "empty document": ([[], ["a", "b"], ["b"], ["c"]], ["b", "c"]),
    "ties": ([["a", "b"], ["c"], ["a", "b"], ["a", "b"], ["c"], ["d"], ["e"], ["f"]], ["a"]),
    "matched words with negative scores": ([["a", "b"], ["c"], ["a", "b"], ["a", "b"], ["c"]], ["a"]),
}


@pytest.mark.parametrize("name", sorted(EDGE))
def test_edge_cases_equal_rank_bm25(name):
    corpus, query = EDGE[name]
    ours, ref = BM25().index(corpus), BM25Okapi(corpus)
    assert_same(ours, ref, query, k=len(corpus))
    assert_same(ours, ref, query, k=2)


def test_edge_case_values_are_pinned():
    # word in every document of a 1-document corpus: idf = log(0.5) - log(1.5) < 0, mean idf is that
    # same value, so the epsilon floor is negative too and the only document scores below zero.
    one = BM25().index([["a", "b", "a"]])
    ((doc, score),) = one.search(["a"], 5)
    assert doc == 0 and score < 0
    corpus = [["a", "b"], ["b", "c"], ["c", "d"], ["a", "a", "d"]]
    bm = BM25().index(corpus)
    assert bm.get_scores(["a", "a"]) == pytest.approx(2 * bm.get_scores(["a"]), rel=REL)
    assert bm.get_scores(["a", "zz"]) == pytest.approx(bm.get_scores(["a"]), rel=REL)
    assert bm.search([], 3) == [(0, 0.0), (1, 0.0), (2, 0.0)]
    assert bm.search(["zz"], 2, matched_only=True) == []
    ties = BM25().index(EDGE["ties"][0])
    assert [i for i, _ in ties.search(["a"], 3)] == [0, 2, 3]
    assert [i for i, _ in ties.search(["a"], 5)] == [0, 2, 3, 1, 4]  # then the zeros, by index
    assert [i for i, _ in ties.search(["a"], 9, matched_only=True)] == [0, 2, 3]
    assert ties.search(["a"], 0) == []
    # "a" in 3 of 5 documents: negative IDF, floored at 0.25 x a negative mean IDF; so the matching
    # documents score below the non-matching ones (rank-bm25's full ranking, kept as is)
    neg = BM25().index(EDGE["matched words with negative scores"][0])
    assert [i for i, _ in neg.search(["a"], 5)] == [1, 4, 0, 2, 3]
    assert all(s < 0 for _, s in neg.search(["a"], 3, matched_only=True))


def test_empty_corpus_raises_value_error():
    with pytest.raises(ValueError, match="empty corpus"):
        BM25().index([])
    with pytest.raises(ValueError, match="single token"):
        BM25().index([[], []])


# ------------------------------------------------------------------------- persistence
@pytest.fixture
def small_index(shipped_tokens) -> BM25:
    return BM25().index(shipped_tokens)


def test_save_load_roundtrip_and_mmap(small_index, tmp_path):
    small_index.save(tmp_path / "ix")
    files = sorted(p.name for p in (tmp_path / "ix").iterdir())
    assert files == [
        "data.npy",
        "doc_len.npy",
        "idf.npy",
        "indices.npy",
        "indptr.npy",
        "params.json",
        "vocab.json",
    ]
    for f in (tmp_path / "ix").glob("*.npy"):
        np.load(f, allow_pickle=False)  # plain arrays only
    for mmap in (False, True):
        loaded = BM25.load(tmp_path / "ix", mmap=mmap)
        assert isinstance(loaded.data, np.memmap) is mmap
        for q in REAL_QUERIES:
            t = search_tokens(q)
            assert loaded.search(t, 10) == small_index.search(t, 10)
            assert np.array_equal(loaded.get_scores(t), small_index.get_scores(t))
    # deterministic: the same corpus saves to byte-identical files
    BM25().index([list(x) for x in [["a", "b"], ["b"]]]).save(tmp_path / "a")
    BM25().index([list(x) for x in [["a", "b"], ["b"]]]).save(tmp_path / "b")
    for f in (tmp_path / "a").iterdir():
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()


def _damage_missing(d: Path) -> str:
    (d / "data.npy").unlink()
    return "缺少 data.npy"


def _damage_garbage(d: Path) -> str:
    (d / "indices.npy").write_bytes(b"garbage")
    return "indices.npy 已损坏"


def _damage_json(d: Path) -> str:
    (d / "vocab.json").write_text("[1, 2", encoding="utf-8")
    return "vocab.json 已损坏"


def _damage_range(d: Path) -> str:
    ix = np.load(d / "indices.npy")
    ix[0] = 10**6
    np.save(d / "indices.npy", ix)
    return "documents that do not exist"


def _damage_truncated(d: Path) -> str:
    ip = np.load(d / "indptr.npy")
    np.save(d / "indptr.npy", ip[:-3])
    return "indptr.npy has the wrong shape"


def _damage_params(d: Path) -> str:
    (d / "params.json").write_text('{"format": "something else"}', encoding="utf-8")
    return "不是 indicatorml 的 BM25 索引"


@pytest.mark.parametrize(
    "damage",
    [_damage_missing, _damage_garbage, _damage_json, _damage_range, _damage_truncated, _damage_params],
)
def test_damaged_index_gives_clear_error(small_index, tmp_path, damage):
    small_index.save(tmp_path / "ix")
    expected = damage(tmp_path / "ix")
    with pytest.raises(IndicatormlError, match=expected):
        BM25.load(tmp_path / "ix", mmap=True)


def test_missing_index_dir(tmp_path):
    with pytest.raises(IndicatormlError, match="不存在"):
        BM25.load(tmp_path / "nope")
    with pytest.raises(IndicatormlError, match="没有 index.json"):
        P.PrecedentIndex.load(tmp_path)


# ------------------------------------------------------------------------- shipped data
def test_shipped_search_finds_first_stores():
    hits = P.search("首店", top=5)
    # "首店" is one word to the segmenter; the seed's two 首店 rows tie and come in file order.
    assert [h["indicator"] for h in hits[:2]] == ["首店引进数量", "引进餐饮首店"]
    assert hits[0]["target"] == "引进广州首店20家"
    assert hits[0]["project"] == "天河商圈打造工作经费"
    assert hits[0]["source"] == "data/seed/000_fc0049aa6689bdbf.txt:14"
    assert hits[0]["level2_code"] == "11" and hits[0]["level2"] == "数量指标"
    assert len(hits) == 2  # nothing else shares a token with 首店
    assert P.search("引进广州首店")[0]["indicator"] == "首店引进数量"


def test_shipped_goal_search():
    hits = P.search("巨灾保险", kind="goal", top=3)
    assert hits[0]["project"] == "天河区巨灾指数保险专项资金"
    assert hits[0]["indicators"] == ["理赔时效", "获赔率"]
    assert set(hits[0]) >= {"score", "goal", "project", "source", "indicators"}


def test_shipped_goal_search_finds_corpus_goals():
    # The corpus is flat: its goals sit on the indicator rows, one goal per (page, project).
    docs = P.load_index().goal_docs
    assert len(docs) == 24 + len(corpus_goals())  # the seed's project goals + the corpus's
    hit = P.search("地方粮食储备", kind="goal", top=1)[0]
    assert (hit["project"], hit["goal"]) == ("县级储备粮", "保持和稳定地方粮食储备机制")
    assert hit["source"] == "data/corpus/public_indicators.tsv:403" and hit["url"].startswith(
        "https://taowenge.com/"
    )
    assert len(hit["indicators"]) == 16 and hit["indicators"][0] == "5000吨稻谷、500吨成品粮储备到位率"


def test_flat_table_goals_are_indexed(tmp_path):
    f = tmp_path / "flat.tsv"
    f.write_text(
        "url\tproject\tgoal\tindicator\tlevel2\n"
        "a\t甲项目\t按时足额发放补贴\t补贴发放及时率\t时效指标\n"
        "a\t甲项目\t按时足额发放补贴\t补贴发放人数\t数量指标\n"
        "b\t甲项目\t按时足额发放补贴\t受益群众满意度\t满意度\n"
        "b\t乙项目\t\t培训人次\t数量指标\n",
        encoding="utf-8",
    )
    idx = P.build_index([f], progress=False)
    assert [(d["url"], d["project"], d["indicators"]) for d in idx.goal_docs] == [
        ("a", "甲项目", ["补贴发放及时率", "补贴发放人数"]),
        ("b", "甲项目", ["受益群众满意度"]),
    ]
    assert P.search("发放补贴", kind="goal", index=idx)[0]["source"] == f"{f}:2"


def test_shipped_precedents_for_satisfaction():
    p = P.precedents("服务对象满意度", top=8)
    assert p.categories[0]["code"] == "31" and p.categories[0]["name"] == "服务对象满意度指标"
    assert p.targets[0]["group"] == "≥…%"


# ------------------------------------------------------------------------- precedents summary
def _tiny_table() -> Table:
    rows = [
        ("资金支付及时率", "13", "时效指标", "=100%"),
        ("补贴支付及时率", "13", "时效指标", "≥95%"),
        ("工资支付及时率", "13", "时效指标", "100%"),
        ("款项支付率", "11", "数量指标", "≥90%"),
        ("支付完成时间", "13", "时效指标", "2024年12月前"),
        ("植树数量", "11", "数量指标", "500棵"),
        ("资金支付情况", None, None, "及时"),
        ("资金支付计划", "13", "时效指标", ""),
    ]
    t = Table("tiny.tsv", "tsv")
    for n, (text, code, name, target) in enumerate(rows, 2):
        t.records.append(
            Indicator(text, target=target, level2_code=code, level2=name, project="p", source=f"tiny.tsv:{n}")
        )
    t.projects.append(Project("p", goal="按时足额支付资金", indicator_rows=[0, 1]))
    return t


def test_precedents_summary_on_tiny_table():
    idx = P.PrecedentIndex.from_tables([_tiny_table()])
    p = P.precedents("支付及时率", top=10, index=idx, min_ratio=0)
    texts = [h["indicator"] for h in p.hits]
    assert sorted(texts) == sorted(
        [
            "资金支付及时率",
            "补贴支付及时率",
            "工资支付及时率",
            "款项支付率",
            "支付完成时间",
            "资金支付情况",
            "资金支付计划",
        ]
    )  # not 植树数量
    assert p.categories == [
        {"code": "13", "name": "时效指标", "count": 5, "of": 7},
        {"code": "11", "name": "数量指标", "count": 1, "of": 7},
        {"code": "", "name": "未标注", "count": 1, "of": 7},
    ]
    groups = {g["group"]: g for g in p.targets}
    assert [g["group"] for g in p.targets] == ["=…%", "≥…%", "定性", "日期"]
    assert all(g["of"] == 6 for g in p.targets)  # 资金支付计划 has no target
    assert groups["=…%"]["text"] == "=…%: 6 条中 2 条 — =100% ×2;中位数 100%"
    assert groups["≥…%"]["text"] == "≥…%: 6 条中 2 条 — ≥90% ×1, ≥95% ×1;中位数 92.5%,范围 90–95%"
    assert groups["定性"]["count"] == 1 and groups["日期"]["count"] == 1
    assert groups["≥…%"]["median"] == 92.5 and groups["≥…%"]["min"] == 90
    # min_ratio=1 keeps only the hits tied with the best
    best = P.precedents("支付及时率", top=10, index=idx, min_ratio=1)
    assert [h["score"] for h in best.hits] == [p.hits[0]["score"]] * len(best.hits)
    assert 1 <= len(best.hits) < len(p.hits)
    # goals of the tiny table are searchable too
    assert P.search("支付资金", kind="goal", index=idx)[0]["indicators"] == [
        "资金支付及时率",
        "补贴支付及时率",
    ]


def test_precedent_index_save_load(tmp_path):
    idx = P.PrecedentIndex.from_tables([_tiny_table()])
    idx.save(tmp_path / "ix")
    loaded = P.load_index(tmp_path / "ix")
    for kind in P.KINDS:
        assert P.search("支付", kind, 5, loaded) == P.search("支付", kind, 5, idx)
    (tmp_path / "ix" / "indicator" / "docs.jsonl").write_text('{"indicator": "x"}\n', encoding="utf-8")
    with pytest.raises(IndicatormlError, match="有 1 行,索引却有 8 条"):
        P.load_index(tmp_path / "ix")


# ------------------------------------------------------------------------- CLI
def test_cli_search_jsonl_keys(capsys):
    assert main(["search", "资金支付及时率", "--format", "jsonl", "--top", "3"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3
    assert rows[0]["indicator"] == "资金支付及时率" and rows[0]["target"] == "=100%"
    for r in rows:
        assert set(r) >= {"score", "indicator", "level2_code", "level2", "target", "project", "source"}
    assert main(["search", "巨灾保险", "--kind", "goal", "--format", "jsonl", "--top", "1"]) == 0
    (goal,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert set(goal) >= {"score", "goal", "project", "source", "indicators"}


def test_cli_index_build_then_search_and_precedents(tmp_path, capsys):
    f = tmp_path / "mine.tsv"
    f.write_text(
        "indicator\tlevel2\ttarget\n引进首店数量\t数量指标\t≥5家\n商户满意度\t满意度\t≥90%\n",
        encoding="utf-8",
    )
    assert main(["index", "build", str(f), "--out", str(tmp_path / "ix")]) == 0
    assert "为 2 条指标和 0 个项目绩效目标建立索引" in capsys.readouterr().out
    assert main(["search", "首店", "--index", str(tmp_path / "ix"), "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("score,indicator,") and len(out) == 2 and "引进首店数量" in out[1]
    assert main(["precedents", "首店数量", "--index", str(tmp_path / "ix")]) == 0
    out = capsys.readouterr().out
    assert "11-数量指标: 1 条中 1 条" in out and "≥…家: 1 条中 1 条 — ≥5家 ×1;中位数 5家" in out
    assert main(["search", "首店", "--kind", "goal", "--index", str(tmp_path / "ix")]) == 2
    assert "这个索引里没有项目绩效目标" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["search", ""], "检索词是空的"),
        (["search", "  "], "检索词是空的"),
        (["search", "？！，。…"], "没有可检索的词"),
        (["precedents", "!!!"], "没有可检索的词"),
        (["search", "满" * 10_000], "10,000 个字符"),
        (["search", "首店", "--index", "/nonexistent/ix"], "不存在"),
        (["search", "首店", "--top", "0"], "至少为 1"),
        (["index", "build", "/nonexistent.tsv", "--out", "x"], "文件不存在"),
    ],
)
def test_cli_bad_input_exits_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("indicatorml: 错误:") and message in err and "Traceback" not in err


def test_cli_damaged_index_exits_2(tmp_path, capsys):
    idx = P.PrecedentIndex.from_tables([_tiny_table()])
    idx.save(tmp_path / "ix")
    shutil.rmtree(tmp_path / "ix" / "goal")
    assert main(["search", "支付", "--kind", "goal", "--index", str(tmp_path / "ix")]) == 2
    err = capsys.readouterr().err
    assert "ix/goal 不存在" in err and "Traceback" not in err


def test_cli_long_query_in_a_real_process():
    r = subprocess.run(
        [sys.executable, "-m", "indicatorml.cli", "precedents", "资" * 10_000],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and "10,000 个字符" in r.stderr


def test_index_from_another_dictionary_is_noted(tmp_path, capsys):
    P.PrecedentIndex.from_tables([_tiny_table()]).save(tmp_path / "ix")
    assert P.load_index(tmp_path / "ix").notes == []
    meta = json.loads((tmp_path / "ix" / "index.json").read_text(encoding="utf-8"))
    meta["dictionary"] = "0000000000000000"
    (tmp_path / "ix" / "index.json").write_text(json.dumps(meta), encoding="utf-8")
    assert main(["search", "支付", "--index", str(tmp_path / "ix"), "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert "另一版词典" in captured.err and "重建索引" in captured.err
    assert captured.out.count("\n") >= 1  # the search still answers


def test_missing_shipped_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shipped, "DATA_DIR", tmp_path)
    with pytest.raises(IndicatormlError, match="--index DIR"):
        P.default_data_paths()
