"""The content limits (tables.limits): each alone at its boundary, and every hostile file of
issue 18 refused in this process, quickly, with one Chinese Problem naming the limit.

Each boundary test builds a harmless file, measures what it uses, and reads it once with the
limit set to exactly that (it must read, records and all) and once with one less (it must be
refused with the limit's message and the file's value). The hostile files come from
scripts/make_hostile.py at their quick sizes, which break the same limits as the issue's.
"""

from __future__ import annotations

import dataclasses
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from indicatorml.tables import read_table, read_tables
from indicatorml.tables.limits import DEFAULT_LIMITS, TRUSTED_LIMITS, Limits
from indicatorml.tables.reading import reading

import make_hostile as mh
from helpers import SEED, WORKBOOKS


def _with(**changes: int) -> Limits:
    return dataclasses.replace(DEFAULT_LIMITS, **changes)


def _reads(path: Path, limits: Limits, records: int) -> None:
    t = read_table(path, limits=limits)
    assert t.problems == [] and len(t.records) == records, [str(p) for p in t.problems]


def _refused(path: Path, limits: Limits, *words: str) -> str:
    t = read_table(path, limits=limits)
    assert t.records == [] and len(t.problems) == 1, [str(p) for p in t.problems]
    reason = t.problems[0].reason
    assert "超过上限" in reason and all(w in reason for w in words), reason
    return reason


# ---------------------------------------------------------------- each limit at its boundary
def test_rows_of_a_sheet(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=30, cols=4)  # a header and 29 indicators
    _reads(f, _with(rows=30), 29)
    _refused(f, _with(rows=29), "「Sheet1」的行数", "至少 30 行", "上限 29 行")


def test_columns_of_a_sheet(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=3, cols=12)
    _reads(f, _with(columns=12), 2)
    _refused(f, _with(columns=11), "「Sheet1」的列数", "至少 12 列", "上限 11 列")


def test_cells_of_a_file(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=10, cols=6)
    _reads(f, _with(cells=60), 9)
    _refused(f, _with(cells=59), "单元格数", "至少 60 个", "上限 59 个")


def test_merged_ranges_of_a_file(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=3, cols=4, merges=7, merge_cols=3)
    _reads(f, _with(merges=7), 2)
    _refused(f, _with(merges=6), "合并单元格区域数", "至少 7 个", "上限 6 个")


def test_a_merged_range_reaching_past_the_columns(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=3, cols=4, merges=1, merge_cols=40)
    _reads(f, _with(columns=40), 2)
    _refused(f, _with(columns=39), "列数", "至少 40 列")


def test_unzipped_size_from_the_directory(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=3, cols=4)
    with zipfile.ZipFile(f) as z:
        total = sum(i.file_size for i in z.infolist())
    _reads(f, _with(unzipped_bytes=total), 2)
    _refused(f, _with(unzipped_bytes=total - 1), "解压后的总大小", "目录声明")


def test_zip_members(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=3, cols=4)
    with zipfile.ZipFile(f) as z:
        n = len(z.infolist())
    _reads(f, _with(zip_members=n), 2)
    _refused(f, _with(zip_members=n - 1), "压缩包内的文件数", f"{n} 个")


def test_compression_ratio_of_a_member_over_1_mb(tmp_path: Path) -> None:
    f = mh.xlsx_inflating(tmp_path / "t.xlsx", inflated=4 << 20)  # 4 MB of spaces in the sheet XML
    with zipfile.ZipFile(f) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
    ratio = -(-sheet.file_size // sheet.compress_size)  # rounded up: the smallest limit it meets
    assert ratio > DEFAULT_LIMITS.zip_ratio  # a real zip bomb's ratio, past the default
    _reads(f, _with(zip_ratio=ratio), 2)
    _refused(f, _with(zip_ratio=ratio - 1), "xl/worksheets/sheet1.xml 的压缩比", f"上限 {ratio - 1}:1")


def test_a_zip_that_lies_about_its_sizes_is_counted_as_it_inflates(tmp_path: Path) -> None:
    """The directory says the sheet is small; the bytes say otherwise. zipfile stops at the
    declared size, so what inflates is checked by count, and the reader never sees more."""
    honest = mh.xlsx_inflating(tmp_path / "honest.xlsx", inflated=3 << 20)
    data = bytearray(honest.read_bytes())
    with zipfile.ZipFile(honest) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # Rewrite the sheet's inflated size in its central-directory entry (and local header) to 1 KB.
    real = info.file_size.to_bytes(4, "little")
    assert data.count(real) >= 1
    data = data.replace(real, (1024).to_bytes(4, "little"))
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(data))
    t = read_table(liar, limits=_with(unzipped_bytes=64 << 10))
    assert t.records == [] and len(t.problems) == 1  # refused, or reported damaged: never read whole
    assert (
        "压缩" in t.problems[0].reason or ".xlsx" in t.problems[0].reason
    )  # (the damaged-xlsx message is Chinese on main)


def test_word_grid_spans(tmp_path: Path) -> None:
    f = mh.docx_grid_span(tmp_path / "t.docx", span=10)  # gridBefore 10, then a cell spanning 10, then 1
    t = read_table(f, limits=_with(columns=21))
    assert not any("超过上限" in p.reason for p in t.problems), t.problems
    _refused(f, _with(columns=20), "「表1」的列数", "第 1 行至少 21 列", "上限 20 列")


def test_pdf_pages(tmp_path: Path) -> None:
    f = mh.pdf_pages(tmp_path / "t.pdf", pages=5)
    t = read_table(f, limits=_with(pages=5))
    assert not any("超过上限" in p.reason for p in t.problems), t.problems  # read: no table on them
    _refused(f, _with(pages=4), "PDF 页数", "至少 5 页", "上限 4 页")


def test_pdf_stream_size(tmp_path: Path) -> None:
    n = 3 << 20
    f = mh.pdf_flate(tmp_path / "t.pdf", inflated=n)
    t = read_table(f, limits=_with(pdf_stream_bytes=n, pdf_decoded_bytes=n))
    assert not any("超过上限" in p.reason for p in t.problems), t.problems
    _refused(f, _with(pdf_stream_bytes=n - 1), "PDF 单个数据流解压后的大小")
    _refused(f, _with(pdf_decoded_bytes=n - 1), "PDF 全部数据流解压后的总大小")


def test_file_size(tmp_path: Path) -> None:
    f = tmp_path / "t.tsv"
    f.write_text("三级指标\t指标值\n培训人数\t≥100人\n", encoding="utf-8")
    n = f.stat().st_size
    _reads(f, _with(file_bytes=n), 1)
    _refused(f, _with(file_bytes=n - 1), "文件大小")


def test_csv_columns_and_cells(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("三级指标,指标值" + ",备注" * 8 + "\n培训人数,≥100人" + ",无" * 8 + "\n", encoding="utf-8")
    _reads(f, _with(columns=10, cells=20), 1)  # 2 rows × 10 columns
    _refused(f, _with(columns=9), "「t.csv」的列数", "第 1 行至少 10 列")
    _refused(f, _with(cells=19), "单元格数", "至少 20 个")


def test_text_rows(tmp_path: Path) -> None:
    f = tmp_path / "t.tsv"
    f.write_text(
        "三级指标\t指标值\n" + "培训人数\t≥100人\n" * 5, encoding="utf-8"
    )  # 7 lines with the last ""
    _reads(f, _with(rows=7), 5)
    _refused(f, _with(rows=6), "「t.tsv」的行数")


# ---------------------------------------------------------------- the defaults and the real files
def test_the_defaults_read_every_fixture_and_the_seed_as_before() -> None:
    files = [SEED, *sorted(p for p in WORKBOOKS.iterdir() if p.name != "manifest.json")]
    for f in files:
        t = read_table(f)
        assert not any("超过上限" in p.reason for p in t.problems), (f, t.problems)


def test_trusted_limits_are_ten_times_the_defaults() -> None:
    assert TRUSTED_LIMITS.rows == 10 * DEFAULT_LIMITS.rows
    assert TRUSTED_LIMITS.to_dict() == {k: 10 * v for k, v in DEFAULT_LIMITS.to_dict().items()}


def test_limits_travel_as_plain_data() -> None:
    assert Limits.from_dict(DEFAULT_LIMITS.to_dict()) == DEFAULT_LIMITS
    for bad in ({"rows": "5"}, {"rows": 0}, {"rows": True}, {"nonsense": 1}):
        with pytest.raises(ValueError):
            Limits.from_dict(bad)


def test_a_reading_block_sets_the_limits_of_every_read_under_it(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=30, cols=4)
    with reading(limits=_with(rows=29)):
        assert "行数" in read_tables([f])[0].problems[0].reason
    assert read_table(f).problems == []  # outside the block: the defaults again


# ---------------------------------------------------------------- the hostile files, in this process
HOSTILE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "docx gridSpan": (mh.docx_grid_span, "「表1」的列数超过上限:第 1 行至少 1,000,000,000 列"),
    "pdf self-reference": (mh.pdf_self_reference, "对象 4 的引用最终指回自身"),
    "xlsx inflating": (lambda p: mh.xlsx_inflating(p, 300 << 20), "解压后的总大小超过上限:目录声明 300 MB"),
    "xlsx merges to ZZZ2000": (mh.xlsx_merges, "「Sheet1」的列数超过上限:至少 18,278 列"),
    "pdf flate stream": (lambda p: mh.pdf_flate(p, 300 << 20), "PDF 单个数据流解压后的大小超过上限"),
    "pdf 5,000 pages": (lambda p: mh.pdf_pages(p, 5_000), "PDF 页数超过上限:至少 1,001 页"),
}


@pytest.mark.parametrize("kind", HOSTILE, ids=str)
def test_a_hostile_file_is_one_problem_within_seconds(kind: str, tmp_path: Path) -> None:
    build, says = HOSTILE[kind]
    f = build(tmp_path / f"hostile{Path(mh.KINDS.get(kind, ('x.pdf',))[0]).suffix or '.pdf'}")
    good = WORKBOOKS / "申报表_单表.xlsx"
    t0 = time.monotonic()
    bad_t, good_t = read_tables([f, good])
    assert time.monotonic() - t0 < 10
    assert [says in p.reason for p in bad_t.problems] == [True], [p.reason for p in bad_t.problems]
    assert bad_t.records == []
    assert good_t.records and not good_t.problems  # the rest of the batch is read as usual


def test_a_dimension_claim_is_not_believed(tmp_path: Path) -> None:
    """XFD1048576 claimed over three real rows and an empty cell in row 2,000: read as the
    XML has it (main padded every row to 16,384 columns: 37 s and 3.9 GB at 10,000 rows)."""
    f = mh.xlsx_dimension(tmp_path / "d.xlsx", last_row=2000)
    t0 = time.monotonic()
    t = read_table(f)
    assert time.monotonic() - t0 < 5
    assert [r.indicator for r in t.records] == ["培训人数1", "培训人数2"] and t.problems == []


def test_a_real_cell_past_the_limits_is_refused_even_without_a_claim(tmp_path: Path) -> None:
    f = mh.xlsx_form(tmp_path / "t.xlsx", rows=3, cols=4, last="XFD5")
    _refused(f, DEFAULT_LIMITS, "「Sheet1」的列数", "第 5 行至少 16,384 列")


@pytest.mark.parametrize("loop", ["catalog", "stream length", "page contents"])
def test_every_reference_loop_is_refused(loop: str, tmp_path: Path) -> None:
    """pdfminer resolves a reference until it is not one: a loop anywhere hung it forever."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>"
    objects = {
        "catalog": [b"1 0 R", b"<< /Type /Pages /Kids [] /Count 0 >>"],
        "stream length": [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            page,
            b"<< /Length 5 0 R >>\nstream\nBT ET\nendstream",
            b"6 0 R",
            b"5 0 R",
        ],
        "page contents": [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            page,
            b"4 0 R",
        ],
    }[loop]
    f = tmp_path / "loop.pdf"
    f.write_bytes(mh.pdf_document(objects))
    t0 = time.monotonic()
    t = read_table(f)
    assert time.monotonic() - t0 < 5
    assert len(t.problems) == 1 and "循环引用" in t.problems[0].reason, t.problems


# ---------------------------------------------------------------- the command line
def test_the_cli_reads_in_a_worker_and_trusted_reads_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from indicatorml.cli import main
    from indicatorml.tables import read as read_module

    def here(*args: object, **kw: object) -> None:
        raise AssertionError("read in the CLI's own process")

    monkeypatch.setattr(read_module, "read_here", here)
    assert main(["parse", str(SEED), "--format", "jsonl"]) == 0  # the worker read it
    assert len(capsys.readouterr().out.splitlines()) == 75
    assert main(["parse", "--trusted", str(SEED), "--format", "jsonl"]) == 3
    assert "read in the CLI's own process" in capsys.readouterr().err


def test_the_cli_reports_a_hostile_file_and_reads_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from indicatorml.cli import main

    loop = mh.pdf_self_reference(tmp_path / "loop.pdf")
    t0 = time.monotonic()
    assert main(["parse", str(loop), str(SEED), "--format", "jsonl"]) == 0
    assert time.monotonic() - t0 < 10
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 75
    assert f"{loop}: PDF 文件已损坏:对象 4 的引用最终指回自身(循环引用),无法读取。" in err.splitlines()


def test_trusted_raises_the_limits_for_a_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from indicatorml.cli import main

    wide = DEFAULT_LIMITS.columns + 1
    f = tmp_path / "wide.csv"
    f.write_text(
        "三级指标,指标值" + ",备注" * (wide - 2) + "\n培训人数,≥100人" + ",无" * (wide - 2) + "\n",
        encoding="utf-8",
    )
    assert main(["parse", str(f), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"「wide.csv」的列数超过上限:第 1 行至少 {wide:,} 列" in err
    assert main(["parse", "--trusted", str(f), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["indicator"] == "培训人数" and "超过上限" not in err


@pytest.mark.parametrize(
    "verb", [["parse"], ["classify"], ["code"], ["train"], ["evaluate"], ["check"], ["index", "build"]]
)
def test_every_reading_verb_documents_trusted(verb: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from indicatorml.cli import main

    with pytest.raises(SystemExit):
        main([*verb, "--help"])
    assert "--trusted" in capsys.readouterr().out
