"""What a user reads from the CLI is Chinese: no rule ids, no English sentences.

The CLI verbs run on the shipped data and on every workbook fixture (damaged and foreign files
included), and everything they print for a person — table views, stderr summaries, reading
problems, row messages — is scanned. Machine-readable outputs (JSONL, CSV) keep their English
keys and ids and are not scanned. What must stay is allowed by name: file names and paths (the
user's own), the user's own texts echoed back, units and codes (km, UTF-8, GB18030, OCR, Excel,
.xlsx), the program's name, and a library's own words inside "(技术细节: …)".
"""

from __future__ import annotations

import argparse
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from indicatorml.accounts import AUDIT_ACTIONS
from indicatorml.checks import RULE_INFO
from indicatorml.cli import build_parser, main

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


# ---------------------------------------------------------------- --help and usage errors
# What a user types stays as typed: option names (--format), choices (table, pre2021, accept),
# verbs and placeholders (FILE, DIR, OUT), the audit's action codes, and product names.
TYPED_ALLOWED = {"sqlite", "postgresql", "python", "zip"}
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def _subcommands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every verb path (``("reviews", "list")`` …) under ``parser``, found from the parser itself."""
    for action in parser._actions:  # noqa: SLF001 - argparse's only list of a parser's arguments
        if isinstance(action.choices, dict):  # a sub-command action: name -> parser
            for name, sub in action.choices.items():
                yield (*path, name)
                yield from _subcommands(sub, (*path, name))


def _typed_words(parser: argparse.ArgumentParser) -> set[str]:
    """The words of every choice, metavar and verb of ``parser`` and its sub-commands."""
    words: set[str] = set()
    for action in parser._actions:  # noqa: SLF001
        texts = [str(c) for c in action.choices or ()]
        metavar = action.metavar if isinstance(action.metavar, tuple) else (action.metavar,)
        texts += [m for m in metavar if m]
        words |= {w for t in texts for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", t)}
        if isinstance(action.choices, dict):
            for sub in action.choices.values():
                words |= _typed_words(sub)
    return words


TYPED = _typed_words(build_parser()) | {w for a in AUDIT_ACTIONS for w in re.findall(r"[A-Za-z]{3,}", a)}


def english_for_a_user(text: str, own: list[str]) -> list[str]:
    """:func:`english_in` for help and usage errors: options, typed words and placeholders kept."""
    words = english_in(OPTION.sub(" ", text), own)
    return [w for w in words if w not in TYPED and w.lower() not in TYPED_ALLOWED and not w.isupper()]


def test_the_help_scan_keeps_what_a_user_types_and_nothing_else() -> None:
    assert english_for_a_user("--format {table,jsonl}  输出格式; FILE 与 OUT.xlsx, pre2021", []) == []
    got = english_for_a_user("usage: indicatorml parse [-h]  print this message and exit", [])
    assert got == ["usage", "print", "this", "message", "and", "exit"]


@pytest.mark.parametrize("verb", list(_subcommands(build_parser())), ids=" ".join)
def test_every_help_is_chinese(capsys: pytest.CaptureFixture[str], verb: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*verb, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and "用法:" in out and "显示本帮助并退出" in out
    assert english_for_a_user(out, []) == [], verb


def test_the_top_help_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "子命令" in out and "选项" in out
    assert english_for_a_user(out, []) == []


@pytest.fixture(scope="module")
def damaged_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ix = tmp_path_factory.mktemp("ix") / "ix"
    assert main(["index", "build", str(SEED), "--out", str(ix)]) == 0
    (ix / "goal" / "vocab.json").write_text("[1, 2", encoding="utf-8")
    return ix


def test_usage_and_file_errors_are_chinese(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, damaged_index: Path
) -> None:
    nope = str(tmp_path / "nope.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        ["parse"],
        ["bogus-verb"],
        ["parse", str(SEED), "--zz"],
        ["parse", nope],
        ["check", nope],
        ["code", nope],
        ["classify", "--input", nope],
        ["parse", str(tmp_path)],
        ["check", str(tmp_path)],
        ["code", str(tmp_path)],
        ["parse", str(SEED), "--format", "yaml"],
        ["parse", str(SEED), "--format", "xlsx"],
        ["parse", str(SEED), "-o", str(tmp_path / "no" / "such" / "x.jsonl")],
        ["search", "首店", "--top", "x"],
        ["search", "首店", "--top", "0"],
        ["search", "首店", "--kind"],
        ["search", "？！"],
        ["precedents", "首店", "--top", "0"],
        ["precedents", "首店", "--min-ratio", "2"],
        ["search", "首店", "--index", str(tmp_path / "no-index")],
        ["search", "首店", "--index", str(empty)],
        ["search", "首店", "--kind", "goal", "--index", str(damaged_index)],
        ["evaluate", "--folds", "1"],
        ["evaluate", "--folds", "x"],
        ["evaluate", "--model-config", "{bad"],
        ["evaluate", "--model-config", '{"C": -1}'],
        ["train", "--data", str(SEED)],
        ["classify", "群众满意度", "--top-k", "0"],
        ["classify", "群众满意度", "--model", str(empty)],
        ["code", str(SEED), "--threshold", "2"],
        ["reviews", "decide", "1", "--decision", "keep"],
        ["reviews", "decide", "1", "--finding", "1", "--row", "1:1", "--decision", "keep"],
    ]
    for argv in cases:
        try:
            rc = main(argv)
        except SystemExit as e:  # argparse's own usage errors
            rc = e.code
        got = capsys.readouterr()
        assert rc == 2 and got.err.strip(), argv
        own = [a for a in argv if len(a) > 2 and not a.startswith("-")]  # the user's own values, echoed
        assert "错误:" in got.err and english_for_a_user(got.err, [str(tmp_path), *own]) == [], (
            argv,
            got.err,
        )
