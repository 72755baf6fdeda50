"""What a stored review gives back — each file's annotated workbook, the coded file, the zip —
comes from the stored review only, and says row by row what the review's JSON says.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
from openpyxl import load_workbook

from indicatorml.checks import SEVERITY_RANK, SEVERITY_ZH
from indicatorml.coding import code_table
from indicatorml.errors import IndicatormlError
from indicatorml.reviews import (
    decide,
    file_coded,
    file_workbook,
    load_review,
    review_json,
    run_review,
    save_review,
    workbooks_zip,
)
from indicatorml.store import NotFoundError, open_store
from indicatorml.tables.annotate import Source, in_place, layout, source_grids, stem_of
from indicatorml.tables.annotate.layout import sheet_title
from indicatorml.taxonomy import canonical_level2

from helpers import SEED, WORKBOOKS

MERGED_FIRST_COLUMN = "申报表_跨页.pdf"  # its new workbook crashed in openpyxl (issue 15)
# The fixtures with indicator rows (the manifest says what each holds).
_MANIFEST = json.loads((WORKBOOKS / "manifest.json").read_text(encoding="utf-8"))
WITH_ROWS = [WORKBOOKS / n for n, m in sorted(_MANIFEST.items()) if m["records"]]


@pytest.fixture
def store(tmp_path):
    s = open_store(None, tmp_path / "data")
    yield s
    s.close()


def snapshot(data: bytes) -> dict[str, object]:
    """What a reviewer sees of a workbook: every sheet's values, fills, comments and merges."""
    wb = load_workbook(io.BytesIO(data))
    out: dict[str, object] = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                fill = getattr(c, "fill", None)
                rgb = fill.start_color.rgb if fill is not None and fill.fill_type else None
                comment = c.comment.text if getattr(c, "comment", None) else None
                if c.value is not None or rgb or comment:
                    cells.append((c.coordinate, c.value, rgb, comment))
        out[ws.title] = (cells, sorted(str(r) for r in ws.merged_cells.ranges))
    return out


# ------------------------------------------------------------------ never recomputed
def test_the_download_reads_the_stored_review_and_never_checks_again(store, tmp_path, monkeypatch):
    files = [
        WORKBOOKS / "申报表_三个项目.xlsx",
        WORKBOOKS / "申报表_三张表.docx",
        WORKBOOKS / "自评表.xls",
        SEED,
    ]
    review = run_review(files)
    first = {f.n: snapshot(file_workbook(review, f.n).data) for f in review.files}
    coded = file_coded(review, 2).data
    review_id = save_review(store, review)

    # Between saving and downloading the server's model changes, and nothing may read, score or check.
    def boom(*args, **kwargs):
        raise AssertionError("a download recomputed the review")

    import indicatorml.checks.run as checks_run
    import indicatorml.coding.saved as saved
    import indicatorml.coding.scoring as scoring
    import indicatorml.reviews.reading as reading
    import indicatorml.reviews.run as reviews_run
    import indicatorml.tables.read as tables_read

    monkeypatch.setenv("INDICATORML_MODEL", str(tmp_path / "another-model"))
    for module, name in (
        (checks_run, "check_table"),
        (reviews_run, "check_table"),
        (reviews_run, "score_rows"),
        (scoring, "score_rows"),
        (saved, "load_model"),
        (reading, "read_upload"),
        (tables_read, "read_table"),
    ):
        monkeypatch.setattr(module, name, boom)
    loaded = load_review(store, review_id)
    for f in loaded.files:
        assert snapshot(file_workbook(loaded, f.n, store).data) == first[f.n], f.name
    assert snapshot(file_coded(loaded, 2, store).data) == snapshot(coded)


# ------------------------------------------------------------------ the page and the workbook agree
def _added_columns(ws, header_row: int) -> dict[str, int]:
    return {
        str(c.value): c.column
        for c in ws[header_row]
        if c.value in ("问题级别", "问题", "规则", "建议二级指标", "建议概率")
    }


@pytest.mark.parametrize(
    "path",
    [*WITH_ROWS, SEED],
    ids=lambda p: p.name,
)
def test_every_row_of_the_workbook_says_what_the_review_json_says(store, path):
    review = load_review(store, save_review(store, run_review([path])))
    f = review.files[0]
    assert f.table.records
    data = review_json(review)
    by_id = {x["id"]: x for x in data["findings"]}
    project_findings = {p["name"]: p["findings"] for p in data["projects"]}
    wb = load_workbook(io.BytesIO(file_workbook(review, 1, store).data))
    upload = store.get_blob(f.sha256)
    if in_place(Source(f.table, f.name, upload)):
        sheets, places = layout(f.table, wb=load_workbook(io.BytesIO(upload)))
    else:
        grids = source_grids(f.kind, upload)
        sheets, places = layout(f.table, new=True, title=sheet_title(stem_of(f.name)), grids=grids)
    headers = {s.name: s for s in sheets}
    first_of: dict[str | None, int] = {}
    for i, rec in enumerate(f.table.records):
        first_of.setdefault(rec.project, i)
    compared = 0
    for row in data["rows"]:
        i = row["row"]
        place = places[i]
        ws = wb[place.sheet]
        cols = _added_columns(ws, headers[place.sheet].tables[place.table].header_row)
        cell = {name: ws.cell(row=place.row, column=c).value for name, c in cols.items()}
        # the one scorer's suggestion beside every row, as the page shows it
        suggestion = row["suggestion"]
        shown = suggestion["level2_code"] and suggestion["confidence"] is not None
        assert cell["建议二级指标"] == suggestion["label"], (path.name, i)
        assert cell["建议概率"] == (round(suggestion["confidence"], 3) if shown else None), (path.name, i)
        # the row's findings (and its project's, on the project's first row)
        ids = list(row["findings"])
        if first_of[f.table.records[i].project] == i:
            ids += project_findings.get(f.table.records[i].project, [])
        here = [by_id[k] for k in sorted(ids, key=list(by_id).index)]
        if not here:
            assert (cell["问题级别"], cell["问题"], cell["规则"]) == (None, None, None), (path.name, i)
            continue
        worst = min((x["severity"] for x in here), key=SEVERITY_RANK.__getitem__)
        assert cell["问题级别"] == SEVERITY_ZH[worst], (path.name, i)
        assert cell["问题"] == "\n".join(f"[{x['severity_zh']}] {x['message']}" for x in here), (path.name, i)
        assert cell["规则"] == "、".join(x["rule_name"] for x in here), (path.name, i)
        if row["marked"]:  # a label finding suggests what the row's suggestion says
            assert canonical_level2(suggestion["level2_code"]) == row["suggested_level2_code"], (path.name, i)
        compared += 1
    assert compared, "no row with a finding: the comparison compared nothing"


def test_the_workbook_carries_the_reviewers_decisions(store):
    review_id = save_review(store, run_review([SEED]))
    review = load_review(store, review_id)
    label = next(x for _, x in review.findings() if x.finding.rule == "label.improbable")
    clean = next(i for i in range(len(review.files[0].table.records)) if not review.files[0].row_findings(i))
    decide(store, review_id, finding=label.id, decision="keep", comment="原类别正确", user="甲")
    decide(store, review_id, row=(1, clean), decision="set", level2_code="22", comment="应为社会效益")
    review = load_review(store, review_id)
    ws = load_workbook(io.BytesIO(file_workbook(review, 1, store).data)).worksheets[0]
    column = next(c.column for c in ws[1] if c.value == "审核意见")
    opinions = [ws.cell(row=r, column=column).value for r in range(2, ws.max_row + 1)]
    said = [o for o in opinions if o]
    assert len(said) == 2
    assert any("保持原类别" in o and "原类别正确" in o for o in said)
    assert any("22" in o and "应为社会效益" in o for o in said)
    assert opinions[clean] and "应为社会效益" in opinions[clean]


def test_a_form_whose_first_column_is_merged_gives_its_workbook(store):
    review = load_review(store, save_review(store, run_review([WORKBOOKS / MERGED_FIRST_COLUMN])))
    got = file_workbook(review, 1, store)
    assert got.name == "申报表_跨页.审核.xlsx" and load_workbook(io.BytesIO(got.data)).sheetnames


# ------------------------------------------------------------------ names and the zip
def test_each_file_comes_back_under_its_own_name_in_one_zip(store, tmp_path):
    (tmp_path / "乙").mkdir()
    same = tmp_path / "乙" / "申报表_三个项目.xlsx"
    shutil.copyfile(WORKBOOKS / "申报表_三个项目.xlsx", same)
    files = [WORKBOOKS / "申报表_三个项目.xlsx", same, WORKBOOKS / "申报表_三张表.docx", SEED]
    review = load_review(store, save_review(store, run_review(files)))
    got = workbooks_zip(review, store)
    assert got.media_type == "application/zip" and got.name == "审核工作簿.zip"
    with zipfile.ZipFile(io.BytesIO(got.data)) as z:
        names = z.namelist()
        members = {n: z.read(n) for n in names}
    assert names == [
        "申报表_三个项目.审核.xlsx",
        "申报表_三个项目(2).审核.xlsx",
        "申报表_三张表.审核.xlsx",
        f"{SEED.stem}.审核.xlsx",
    ]
    for (name, data), f in zip(members.items(), review.files, strict=True):
        wb = load_workbook(io.BytesIO(data))
        listing = wb["问题清单"]
        assert {listing.cell(row=r, column=1).value for r in range(2, listing.max_row + 1)} == {f.name}, name
        texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
        assert not [t for t in texts if "indicatorml-review-" in t or str(tmp_path) in t], name
        if f.kind == "xlsx":  # the user's own workbook: every sheet of it, plus the list
            assert wb.sheetnames == [
                *load_workbook(WORKBOOKS / "申报表_三个项目.xlsx").sheetnames,
                "问题清单",
            ]
    assert file_workbook(review, 3, store).name == "申报表_三张表.审核.xlsx"


# ------------------------------------------------------------------ the coded file
def test_the_coded_file_of_a_stored_review_is_what_code_writes(store, tmp_path):
    draft = tmp_path / "草稿.csv"
    rows = [
        "项目名称,一级指标,三级指标,年度指标值",
        "甲,效益指标,培训人次,≥100人次",
        "甲,,群众满意度,≥90%",
        "甲,,推进工作,有效",
    ]
    draft.write_bytes("\r\n".join(rows).encode("gb18030"))
    review = load_review(store, save_review(store, run_review([draft])))
    got = file_coded(review, 1, store)
    assert got.name == "草稿.coded.csv"
    code_table(draft, tmp_path / "by-code.csv", stream=None)
    assert got.data == (tmp_path / "by-code.csv").read_bytes()
    assert got.data.decode("gb18030").startswith("项目名称,一级指标")
    docx = load_review(store, save_review(store, run_review([WORKBOOKS / "申报表_三张表.docx"])))
    coded = file_coded(docx, 1, store)
    assert coded.name == "申报表_三张表.coded.xlsx" and coded.media_type.endswith("sheet")
    assert load_workbook(io.BytesIO(coded.data)).sheetnames[:3] == ["表1", "表2", "表3"]


def test_a_review_without_a_model_has_no_coded_file(store):
    review = load_review(store, save_review(store, run_review([SEED], labels=False)))
    with pytest.raises(IndicatormlError, match="没有使用模型"):
        file_coded(review, 1, store)
    with pytest.raises(NotFoundError, match="没有第 2 个文件"):
        file_workbook(review, 2, store)
    assert file_workbook(review, 1, store).name == f"{SEED.stem}.审核.xlsx"


def test_a_loaded_review_needs_the_store_for_the_uploaded_bytes(store):
    review = load_review(store, save_review(store, run_review([WORKBOOKS / "申报表_单表.xlsx"])))
    with pytest.raises(IndicatormlError, match="没有原文件的内容"):
        file_workbook(review, 1)
