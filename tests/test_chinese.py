"""What a user reads from the CLI is Chinese: no rule ids, no English sentences.

The CLI verbs run on the shipped data and on every workbook fixture (damaged and foreign files
included), and everything they print for a person — table views, stderr summaries, reading
problems, row messages — is scanned. Machine-readable outputs (JSONL, CSV) keep their English
keys and ids and are not scanned. What must stay is allowed by name: file names and paths (the
user's own), the user's own texts echoed back, units and codes (km, UTF-8, GB18030, OCR, Excel,
.xlsx), the program's name, and a library's own words inside "(技术细节: …)".
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from indicatorml.checks import RULE_INFO
from indicatorml.cli import main

from helpers import SEED, WORKBOOKS

FIXTURES = sorted(p for p in WORKBOOKS.iterdir() if p.name != "manifest.json")
# Words that may stay in what a user reads: codes, formats, units, product names, the program.
ALLOWED = {
    "indicatorml",
    "utf",
    "gb18030",
    "ocr",
    "pdf",
    "excel",
    "word",
    "wps",
    "json",
    "xlsx",
    "xls",
    "docx",
    "doc",
    "et",
    "csv",
    "tsv",
    "km",
    "m2",
    "indicator",  # a header name the reader accepts, named in 没有指标名称列(… / indicator)
    "index",
    "build",  # `indicatorml index build`, a command to type
}
RULE_ID = re.compile(r"\b(?:" + "|".join({r.kind for r in RULE_INFO.values()}) + r")\.[a-z0-9-]+")
DETAIL = re.compile(r"\(技术细节: [^)]*\)")
PATH = re.compile(r"\S*/\S*|[\w-]+\.[A-Za-z0-9]{1,5}\b")  # a path, or a file name (hello.txt)


def english_in(text: str, own: list[str]) -> list[str]:
    """Rule ids and English words of ``text``, once the user's own paths and texts are taken out."""
    found = RULE_ID.findall(text)
    text = RULE_ID.sub(" ", text)
    for s in sorted(own, key=len, reverse=True):
        text = text.replace(s, " ")
    text = DETAIL.sub(" ", text)
    text = PATH.sub(" ", text)  # a path, whole or cut short by a table view (…/seed/000_fc….txt)
    words = re.findall(r"[A-Za-z][A-Za-z-]{2,}", text)
    return found + [w for w in words if w.lower() not in ALLOWED]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    got = capsys.readouterr()
    return got.out + got.err


def test_the_scan_finds_what_it_looks_for() -> None:
    assert english_in("[警告] 第2条 …  (target.vague)", []) == ["target.vague"]
    assert english_in("row not read: neither a header", []) == ["row", "not", "read", "neither", "header"]
    assert english_in("x.tsv: 这一行未读取 (技术细节: BadZipFile: File is not a zip file)", ["x.tsv"]) == []


def test_cli_views_summaries_and_problems_are_chinese(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    files = [str(SEED), *map(str, FIXTURES)]
    own = [*files, str(tmp_path)] + [p.stem for p in FIXTURES] + [Path(f).name for f in files]
    own += ["Sheet"]  # openpyxl's default sheet name in a fixture: the user's own
    texts = ["服务民营中小企业数量", "资金支付及时率", "", "123", "abc", "指标" * 120]
    own += ["abc"]
    out = {
        "parse": run(capsys, "parse", *files, "--format", "table"),
        "check": run(capsys, "check", *files, "--format", "table"),
        "classify": run(capsys, "classify", *texts, "--format", "table"),
        "precedents": run(capsys, "precedents", "引进首店数量", "--top", "5"),
        "search": run(capsys, "search", "首店", "--top", "3"),
        "taxonomy": run(capsys, "taxonomy"),
    }
    seed = tmp_path / "seed.txt"
    shutil.copy(SEED, seed)
    out["code seed"] = run(capsys, "code", str(seed), "--recode")
    book = tmp_path / "申报表.xlsx"
    shutil.copy(WORKBOOKS / "申报表_单表.xlsx", book)
    out["code xlsx"] = run(capsys, "code", str(book))
    out["check xlsx"] = run(capsys, "check", str(book), "-o", str(tmp_path / "审核.xlsx"))
    # the scan sees each kind of text it is meant to: problems, grades, row messages, summaries
    assert "读取问题" in out["check"] and "项目评级" in out["check"] and "已编码" in out["code seed"]
    assert "文件损坏" in out["parse"] and "没有文字层" in out["parse"] and "不是已知类别" in out["parse"]
    assert "无法编码" in out["classify"] and "没有汉字" in out["classify"] and "只用了前" in out["classify"]
    assert "中位数" in out["precedents"] and "类别存疑" in out["check"] and "写出" not in out["check xlsx"]
    for verb, text in out.items():
        assert english_in(text, own) == [], verb
