"""The bureau's library: reviewed rows found first and marked, filters, decisions, other processes, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402
from store_samples import make_review  # noqa: E402

from indicatorml import precedents as P  # noqa: E402
from indicatorml.cli import main  # noqa: E402
from indicatorml.errors import IndicatormlError  # noqa: E402
from indicatorml.precedents.library import Library, open_library  # noqa: E402
from indicatorml.store import Store, StoreError, open_store  # noqa: E402

db_url = postgres.db_url


def row(indicator: str, level2: str, **extra: Any) -> dict[str, Any]:
    return {"indicator": indicator, "level2_code": level2, **extra}


def review(rows: list[dict[str, Any]], project: str = "基层医疗卫生服务项目", **meta: Any) -> dict[str, Any]:
    """A one-file review of these rows (a ReviewIn), built on the store sample's shape."""
    r = make_review(seed=1, files=1, rows_per_file=len(rows), **meta)
    r["files"][0]["name"] = meta.get("org", "某单位") + "_2025年绩效目标表.xlsx"
    r["findings"] = []
    r["projects"][0]["name"] = project
    for x, given in zip(r["rows"], rows, strict=True):
        x.update(
            project=project, indicator=given["indicator"], level2_code=given["level2_code"], target="≥90%"
        )
        x["level1_code"] = given["level2_code"][0]
        x["suggestion"] = {"level2_code": given.get("suggested", given["level2_code"]), "confidence": 0.9}
    return r


FAMILY_DOCTOR = [
    row("家庭医生签约服务覆盖率", "12"),
    row("重点人群家庭医生签约率", "12", suggested="22"),
    row("签约居民满意度", "31"),
]


@pytest.fixture
def store(tmp_path):
    s = open_store(None, tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def library(store) -> Library:
    store.save_review(review(FAMILY_DOCTOR, department="卫健科", org="某某区卫生健康局", year=2024))
    return Library(store, refresh_seconds=0)


# ------------------------------------------------------------------ found first, marked
def test_reviewed_rows_are_found_first_with_their_department_year_and_review(library, store):
    hits = library.search("家庭医生签约服务率", 10)
    assert [h["indicator"] for h in hits[:2]] == ["家庭医生签约服务覆盖率", "重点人群家庭医生签约率"]
    first = hits[0]
    (review_id,) = [r["id"] for r in store.list_reviews()]
    assert first["library"] is True
    assert (first["department"], first["org"], first["year"]) == ("卫健科", "某某区卫生健康局", 2024)
    assert (first["review_id"], first["file_n"], first["row"]) == (review_id, 1, 0)
    assert (
        first["file"] == "某某区卫生健康局_2025年绩效目标表.xlsx" and first["source"] == f"{first['file']}:0"
    )
    assert (first["level2_code"], first["level2"], first["level1_code"]) == ("12", "质量指标", "1")
    shipped = [h for h in hits if not h["library"]]
    assert shipped and all(h["review_id"] is None and h["department"] is None for h in shipped)
    assert set(first) == set(shipped[0])  # one shape for both kinds of hit
    assert library.stats()["library_rows"] == 3 and library.stats()["reviews"] == 1


def test_the_merge_rule_library_rows_lead_when_about_as_relevant(store):
    # the library row shares part of the query; the shipped 资金支付及时率 matches it exactly
    store.save_review(review([row("资金拨付及时率", "13"), row("植树数量", "11")], project="某专项"))
    lib = Library(store)
    scores = {
        h["indicator"]: (h["score"], h["library"]) for h in lib.search("资金支付及时率", 20, library_floor=0)
    }
    best = max(s for s, _ in scores.values())
    mine, _ = scores["资金拨付及时率"]
    assert 0.5 * best <= mine < best  # about as relevant: within the default floor of the best
    hits = lib.search("资金支付及时率", 5)
    assert (hits[0]["indicator"], hits[0]["library"]) == ("资金拨付及时率", True)
    assert hits[1]["indicator"] == "资金支付及时率" and hits[1]["library"] is False
    by_score = lib.search("资金支付及时率", 5, library_floor=1)  # floor 1: by score alone
    assert by_score[0]["indicator"] == "资金支付及时率"
    # a floor above the library row's share puts it back among the others by score
    above = lib.search("资金支付及时率", 20, library_floor=min(1.0, mine / best + 0.01))
    assert [h["indicator"] for h in above].index("资金拨付及时率") > 0
    assert all(not h["library"] or h["indicator"] != "植树数量" for h in hits)  # shares nothing


# ------------------------------------------------------------------ filters
def test_filters_by_year_unit_department_category_and_origin(store):
    store.save_review(review(FAMILY_DOCTOR, department="卫健科", org="甲区卫生健康局", year=2024))
    store.save_review(
        review([row("家庭医生签约人数", "11")], department="社保科", org="乙县医疗保障局", year=2025)
    )
    lib = Library(store)

    def texts(**f: Any) -> list[str]:
        return [h["indicator"] for h in lib.search("家庭医生签约", 50, **f)]

    assert texts(year=2025) == ["家庭医生签约人数"]
    assert set(texts(org="卫生健康")) == {x["indicator"] for x in FAMILY_DOCTOR}
    assert texts(department="社保") == ["家庭医生签约人数"]
    assert texts(level2="11", source="library") == ["家庭医生签约人数"]
    assert texts(level2="数量指标", source="library") == texts(level2="11-数量指标", source="library")
    assert set(texts(level2="产出指标", source="library")) == {
        "家庭医生签约服务覆盖率",
        "重点人群家庭医生签约率",
        "家庭医生签约人数",
    }
    assert all(h["library"] is False for h in lib.search("家庭医生签约", 50, source="shipped"))
    shipped_2023 = lib.search("满意度", 50, year=2023)
    assert shipped_2023 and all(h["year"] == 2023 and not h["library"] for h in shipped_2023)
    for bad, message in (
        ({"level2": "不是类别"}, "不认识的类别"),
        ({"year": 99}, "四位公历年份"),
        ({"source": "x"}, "来源只能是"),
    ):
        with pytest.raises(IndicatormlError, match=message):
            lib.search("家庭医生", 5, **bad)
    facets = lib.facets()
    assert facets["years"] == [{"value": 2024, "count": 3}, {"value": 2025, "count": 1}]
    assert {f["value"] for f in facets["departments"]} == {"卫健科", "社保科"}
    assert {f["value"]: f["count"] for f in facets["categories"]} == {"12": 2, "31": 1, "11": 1}


# ------------------------------------------------------------------ decisions
def test_a_decision_changes_the_category_in_place(library, store):
    (review_id,) = [r["id"] for r in store.list_reviews()]
    blocks = {k: len(f.blocks) for k, f in library.index.fields.items()}
    n = library.index.n_docs
    store.add_decision(review_id, (1, 1), "accept")  # the suggestion: 22
    store.add_decision(review_id, (1, 0), "set", level2_code="22", comment="按效益算")
    hits = {h["indicator"]: h for h in library.search("家庭医生签约", 5)}
    assert (hits["重点人群家庭医生签约率"]["level2_code"], hits["重点人群家庭医生签约率"]["decision"]) == (
        "22",
        "accept",
    )
    assert hits["家庭医生签约服务覆盖率"]["level2_code"] == "22"
    assert hits["家庭医生签约服务覆盖率"]["given_level2_code"] == "12"
    assert library.index.n_docs == n and {k: len(f.blocks) for k, f in library.index.fields.items()} == blocks
    p = library.precedents("家庭医生签约服务率", 3, min_ratio=0, source="library")
    assert p.categories[0] == {"code": "22", "name": "社会效益指标", "count": 2, "of": 3}
    assert [h["indicator"] for h in library.search("家庭医生签约", 5, level2="22", source="library")] == [
        "家庭医生签约服务覆盖率",
        "重点人群家庭医生签约率",
    ]


# ------------------------------------------------------------------ incremental, shared, robust
def test_a_library_grown_one_review_at_a_time_scores_as_one_built_at_once(tmp_path, shipped_counts):
    with open_store(None, tmp_path / "a") as store:
        grown = Library(store, refresh_seconds=0)
        for seed in range(12):
            store.save_review(make_review(seed=seed, files=2, rows_per_file=15))
            grown.refresh()
        at_once = Library(store)
    assert grown.index.n_docs == at_once.index.n_docs == shipped_counts[0] + 12 * 30
    assert sum(len(f.blocks) for f in grown.index.fields.values()) > 3  # it did grow in blocks
    for q in ("资金支付及时率", "群众满意度", "培训人次", "高标准农田 灌溉", "项目验收合格率"):
        a, _ = grown.index.scores(q)
        b, _ = at_once.index.scores(q)
        assert np.array_equal(a, b), q
        assert grown.search(q, 10) == at_once.search(q, 10)


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from store_samples import make_review
    from indicatorml.store import open_store
    store = open_store(sys.argv[1], None)
    r = make_review(seed=7, files=1, rows_per_file=3, department="其他进程的科室", year=2026)
    r["rows"][0]["indicator"] = sys.argv[2]
    print(store.save_review(r))
    store.close()
    """
)


def test_a_review_saved_by_another_process_is_found(db_url):
    with open_store(db_url, None) as store:
        lib = Library(store, refresh_seconds=0)
        assert lib.search("跨进程唯一指标", 5, source="library") == []
        done = subprocess.run(
            [sys.executable, "-c", WRITER, db_url, "跨进程唯一指标测试", str(Path(__file__).parent)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        (hit,) = lib.search("跨进程唯一指标", 5, source="library")
        assert (hit["review_id"], hit["department"], hit["year"]) == (
            done.stdout.strip(),
            "其他进程的科室",
            2026,
        )


def test_searching_threads_and_refreshes_share_one_library(store, shipped_counts):
    """A server's threads search while reviews arrive: no error, nothing added twice."""
    import threading

    lib = Library(store, refresh_seconds=0)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                for h in lib.search("资金支付及时率", 10):
                    assert h["indicator"]
        except BaseException as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for t in threads:
        t.start()
    for seed in range(8):
        store.save_review(make_review(seed=seed, files=1, rows_per_file=10))
    stop.set()
    for t in threads:
        t.join()
    lib.refresh()
    assert not errors, errors
    assert lib.stats()["library_rows"] == 80 and lib.stats()["reviews"] == 8
    assert lib.index.n_docs == len(lib.catalog) == shipped_counts[0] + 80


def test_without_the_store_searches_answer_from_what_is_indexed(library, store, monkeypatch):
    def down(*_: Any, **__: Any) -> Any:
        raise StoreError("无法连接数据库")

    monkeypatch.setattr(Store, "library_rows", down)
    assert library.search("家庭医生签约", 3)[0]["library"] is True
    assert library.stats()["error"] == "无法连接数据库"
    with pytest.raises(StoreError):
        library.refresh()  # an explicit refresh says so


def test_open_library_refuses_a_folder_without_a_store(tmp_path, shipped_counts):
    with pytest.raises(IndicatormlError, match="没有审核数据库"):
        open_library(None, tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()
    shipped_only = open_library(None, None)
    assert shipped_only.stats()["library_rows"] == 0 and shipped_only.index.n_docs == shipped_counts[0]


def test_the_package_exports_the_library_api():
    assert P.Library is Library and P.open_library is open_library and P.LIBRARY_FLOOR == 0.5


# ------------------------------------------------------------------ CLI
def test_cli_search_and_precedents_with_the_library(library, tmp_path, capsys):
    data_dir = str(tmp_path / "data")
    assert (
        main(["search", "家庭医生签约服务率", "--data-dir", data_dir, "--format", "jsonl", "--top", "3"]) == 0
    )
    hits = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert hits[0]["library"] is True and hits[0]["department"] == "卫健科" and hits[0]["review_id"]
    assert main(["search", "家庭医生签约服务率", "--data-dir", data_dir, "--level2", "31"]) == 0
    out = capsys.readouterr().out
    assert "签约居民满意度" in out and "年度" in out and "某某区卫生健康局" in out and "覆盖率" not in out
    assert main(["precedents", "家庭医生签约服务率", "--data-dir", data_dir, "--source", "library"]) == 0
    out = capsys.readouterr().out
    assert "12-质量指标: 3 条中 2 条" in out and "某某区卫生健康局" in out
    assert (
        main(["search", "满意度", "--year", "2023", "--format", "csv", "--top", "2"]) == 0
    )  # shipped rows only
    lines = capsys.readouterr().out.splitlines()
    assert "year" in lines[0].split(",") and len(lines) == 3


@pytest.mark.parametrize(
    "argv, message",
    [
        (["search", "首店", "--index", "ix", "--year", "2024"], "两者只能选一个"),
        (["search", "巨灾保险", "--kind", "goal", "--org", "天河"], "本单位先例库只收指标"),
        (["search", "首店", "--level2", "不是类别"], "不认识的类别"),
        (["precedents", "首店", "--data-dir", "/nonexistent/dir"], "没有审核数据库"),
    ],
)
def test_cli_library_option_mistakes_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
