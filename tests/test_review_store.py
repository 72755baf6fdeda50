"""A review through the store and back, on SQLite and PostgreSQL: exact, with ids and decisions.

The round trip runs on every workbook fixture and the seed (each kind of file the readers
take, unreadable ones included); decisions are checked against the review they are about.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402

from indicatorml.reviews import (  # noqa: E402
    DECISION_COLUMNS,
    DECISION_HEADERS,
    create_review,
    decide,
    decided_level2,
    decision_rows,
    load_review,
    review_json,
    run_review,
    save_review,
    write_table_rows,
)
from indicatorml.store import InvalidError, NotFoundError, open_store  # noqa: E402

from helpers import SEED, WORKBOOKS  # noqa: E402

db_url = postgres.db_url  # every test taking it runs on SQLite and on PostgreSQL
FILES = [*sorted(p for p in WORKBOOKS.iterdir() if p.name != "manifest.json"), SEED]


@pytest.fixture(scope="module")
def computed():
    """One review of every fixture and the seed (computed once; each test saves its own copy)."""
    return run_review(FILES)


@pytest.fixture
def store(db_url):
    s = open_store(db_url, None)
    yield s
    s.close()


def test_a_stored_review_loaded_back_equals_what_was_saved(store, computed):
    review_id = save_review(store, computed, user="王审核", department="预算科")
    assert computed.id == review_id
    loaded = load_review(store, review_id, data=True)
    for saved, back in zip(computed.files, loaded.files, strict=True):
        assert back.table == saved.table, saved.name
        assert back.findings == saved.findings, saved.name
        assert back.suggestions == saved.suggestions and back.heldout == saved.heldout, saved.name
        assert back.projects == saved.projects, saved.name
        assert (back.name, back.sha256, back.size, back.year, back.org) == (
            saved.name,
            saved.sha256,
            saved.size,
            saved.year,
            saved.org,
        )
        assert back.data == saved.data
    assert loaded == computed
    assert (loaded.model, loaded.label_rule) == (computed.model, computed.label_rule)
    assert (loaded.created_by, loaded.department, loaded.year, loaded.org) == (
        "王审核",
        "预算科",
        computed.year,
        computed.org,
    )
    ids = [x.id for _, x in loaded.findings()]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids) == sum(
        len(f.findings) for f in computed.files
    )
    # the JSON a page and the API show is the same before and after, but for the ids
    before, after = review_json(computed), review_json(loaded)
    for key in ("files", "projects", "rows", "findings"):
        strip = lambda items: [{k: v for k, v in x.items() if k not in ("id", "findings")} for x in items]  # noqa: E731
        assert strip(after[key]) == strip(before[key]), key


def test_the_review_shape_issue_15_names(store, computed):
    data = review_json(load_review(store, save_review(store, computed)))
    assert {"id", "files", "projects", "findings"} <= set(data)
    assert {"n", "name", "kind", "indicators", "problems"} <= set(data["files"][0])
    assert {"file", "name", "grade"} <= set(data["projects"][0])
    names = {f["name"] for f in data["files"]}
    for f in data["findings"]:
        assert {"id", "file", "project", "row", "indicator", "rule", "severity", "message"} <= set(f)
        assert f["file"] in names
    json.dumps(data, ensure_ascii=False, allow_nan=False)  # plain JSON, no NaN


def test_create_review_answers_with_the_stored_review(store, tmp_path):
    staged = tmp_path / "表1.xlsx"
    staged.write_bytes((WORKBOOKS / "申报表_单表.xlsx").read_bytes())
    got = create_review(store, [staged], names=["预算.xlsx"], year=2025, user="甲", department="预算科")
    assert got.id and got.year == 2025 and got.files[0].name == "预算.xlsx"
    assert all(isinstance(x.id, int) for _, x in got.findings()) and got.files[0].findings
    assert got == load_review(store, got.id) and str(tmp_path) not in json.dumps(
        review_json(got), ensure_ascii=False
    )


# ------------------------------------------------------------------ decisions
@pytest.fixture
def seed_review(store):
    review = run_review([SEED])
    return review, save_review(store, review)


def _label_finding(review):
    return next(x for _, x in review.findings() if x.finding.rule == "label.improbable")


def test_decisions_are_applied_when_a_review_is_loaded_and_the_history_is_kept(store, seed_review):
    _, review_id = seed_review
    review = load_review(store, review_id)
    found = _label_finding(review)
    row = found.finding.row
    first = decide(store, review_id, finding=found.id, decision="accept", comment="同意", user="甲")
    again = load_review(store, review_id)
    f = again.files[0]
    assert f.findings[[x.id for x in f.findings].index(found.id)].decision == first
    assert decided_level2(f, row) == found.finding.suggested_level2_code
    decide(store, review_id, finding=found.id, decision="set", level2_code="13-时效指标", user="乙")
    last = decide(store, review_id, row=(1, row), decision="keep", comment="原类别正确")
    again = load_review(store, review_id)
    f = again.files[0]
    given = f.table.records[row].level2_code
    assert f.decisions[row] == last and decided_level2(f, row) == given
    x = next(x for x in f.findings if x.id == found.id)
    assert x.decision["decision"] == "set" and x.decision["level2_code"] == "13"  # the finding's latest
    assert [d["decision"] for d in again.history] == ["accept", "set", "keep"]
    data = review_json(again)
    shown = next(r for r in data["rows"] if r["row"] == row)
    assert shown["decision"]["decision"] == "keep" and shown["decided_level2_code"] == given
    assert next(x for x in data["findings"] if x["id"] == found.id)["decision"]["decision_zh"] == "改为"


def test_a_decision_on_a_row_without_a_finding_sets_its_category(store, seed_review):
    review, review_id = seed_review
    f = review.files[0]
    clean = next(i for i in range(len(f.table.records)) if not f.row_findings(i))
    decide(store, review_id, row=(1, clean), decision="set", level2_code="22")
    back = load_review(store, review_id).files[0]
    assert decided_level2(back, clean) == "22"
    decide(store, review_id, row=(1, clean), decision="accept")
    assert decided_level2(load_review(store, review_id).files[0], clean) == f.suggestions[clean].level2_code


@pytest.mark.parametrize(
    ("target", "kwargs", "error", "message"),
    [
        ("label", {"decision": "set", "level2_code": "99"}, InvalidError, "没有这个二级指标"),
        ("label", {"decision": "set", "level2_code": "1"}, InvalidError, "一级指标"),
        ("label", {"decision": "set"}, InvalidError, "level2_code"),
        ("label", {"decision": "keep", "level2_code": "11"}, InvalidError, "只有 set"),
        ("label", {"decision": "maybe"}, InvalidError, "accept"),
        ("project", {"decision": "accept"}, InvalidError, "没有建议类别"),
        ("project", {"decision": "set", "level2_code": "11"}, InvalidError, "没有类别可改"),
        ("none", {"decision": "keep"}, InvalidError, "给且只给一个"),
        ("missing", {"decision": "keep"}, NotFoundError, "没有编号为"),
        ("row-out", {"decision": "keep"}, NotFoundError, "没有第"),
    ],
)
def test_decisions_that_do_not_fit_are_refused_and_nothing_is_stored(
    store, seed_review, target, kwargs, error, message
):
    review, review_id = seed_review
    project = next(x for _, x in load_review(store, review_id).findings() if x.finding.row is None)
    where = {
        "label": {"finding": _label_finding(load_review(store, review_id)).id},
        "project": {"finding": project.id},
        "none": {},
        "missing": {"finding": 10**9},
        "row-out": {"row": (1, len(review.files[0].table.records))},
    }[target]
    with pytest.raises(error, match=message):
        decide(store, review_id, **where, **kwargs)
    assert load_review(store, review_id).history == []


def test_keep_needs_a_category_to_keep(store, tmp_path):
    draft = tmp_path / "草稿.csv"
    draft.write_text("项目名称,三级指标,年度指标值\n甲,培训人次,≥100人次\n", encoding="utf-8")
    review_id = save_review(store, run_review([draft]))
    with pytest.raises(InvalidError, match="没有原类别"):
        decide(store, review_id, row=(1, 0), decision="keep")
    assert decide(store, review_id, row=(1, 0), decision="accept")["decision"] == "accept"


def test_a_finding_of_another_review_is_not_this_reviews(store, seed_review):
    _, first = seed_review
    other = save_review(store, run_review([SEED]))
    found = _label_finding(load_review(store, other))
    with pytest.raises(NotFoundError):
        decide(store, first, finding=found.id, decision="accept")


def test_decisions_export_as_rows_with_chinese_headers_for_people(store, seed_review, tmp_path, capsys):
    _, review_id = seed_review
    found = _label_finding(load_review(store, review_id))
    decide(store, review_id, finding=found.id, decision="accept", user="甲")
    decide(
        store, review_id, finding=found.id, decision="set", level2_code="12", comment="看目标值", user="乙"
    )
    review = load_review(store, review_id)
    rows = decision_rows(review)
    assert len(rows) == 1 and len(decision_rows(review, history=True)) == 2
    row = rows[0]
    assert (row["finding_id"], row["decision"], row["decided"], row["comment"], row["user"]) == (
        found.id,
        "改为 12-质量指标",
        "12-质量指标",
        "看目标值",
        "乙",
    )
    assert row["n"] == found.finding.row + 1 and row["file"] == SEED.name
    out = tmp_path / "决定.csv"
    write_table_rows(rows, "csv", str(out), DECISION_COLUMNS, DECISION_HEADERS)
    assert list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))[0]["comment"] == "看目标值"
    xlsx = tmp_path / "决定.xlsx"
    write_table_rows(rows, "xlsx", str(xlsx), DECISION_COLUMNS, DECISION_HEADERS)
    ws = load_workbook(xlsx).active
    assert [c.value for c in ws[1]] == [DECISION_HEADERS[c] for c in DECISION_COLUMNS]
    assert ws.cell(row=2, column=DECISION_COLUMNS.index("comment") + 1).value == "看目标值"
    write_table_rows(rows, "table", None, DECISION_COLUMNS, DECISION_HEADERS)
    assert capsys.readouterr().out.splitlines()[0].startswith("审核编号")
