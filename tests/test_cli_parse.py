"""The ``parse`` and ``taxonomy`` verbs: output formats, problems on stderr, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indicatorml.cli import main
from indicatorml.tables import read_table

from helpers import CORPUS, SEED, corpus_rows

REQUIRED = [
    "project",
    "goal",
    "level1_code",
    "level1",
    "level2_code",
    "level2",
    "level2_raw",
    "indicator",
    "target",
    "period_target",
    "source",
]


def test_parse_jsonl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 75
    assert all(list(r)[:11] == REQUIRED for r in rows)
    assert (
        rows[0]["level2_code"] == "11" and rows[0]["level2"] == "数量指标" and rows[0]["level1_code"] == "1"
    )
    assert rows[0]["source"] == f"{SEED}:12" and rows[0]["url"] is None
    assert len({r["project"] for r in rows}) == 24
    assert err.strip().splitlines() == ["读取 75 条指标, 24 个项目 (1 个文件); 0 个问题 (0 处)"]


def test_parse_table_view(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED), "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["项目", "一级指标", "二级指标", "指标", "年度指标值", "位置"]
    assert lines[2].split() == [
        "专业批发市场工作经费",
        "1",
        "产出指标",
        "11",
        "数量指标",
        "业态提升和规范整治市场数量",
        "5个",
        "12",
    ]
    assert lines[3].split()[:4] == ["2", "效益指标", "22", "社会效益指标"]  # project shown once
    assert len(lines) == 2 + 75


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx", "jsonl"])
def test_parse_to_file_reads_back(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"seed.{fmt}"
    assert main(["parse", str(SEED), str(CORPUS), "--output", str(out)]) == 0
    assert capsys.readouterr().out == ""
    back = read_table(out)
    assert back.problems == [] and len(back.records) == 75 + len(corpus_rows())
    assert back.records[0].level2_code == "11" and back.records[75].url.startswith("http")
    assert [r.source for r in back.records] == [
        r.source for r in read_table(SEED).records + read_table(CORPUS).records
    ]


def test_parse_xlsx_needs_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED), "--format", "xlsx"]) == 2
    assert (
        capsys.readouterr().err
        == "indicatorml: 错误: --format xlsx 要与 --output PATH 一起用(工作簿只能写进文件)\n"
    )


def test_parse_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(tmp_path / "nope.txt")]) == 2
    assert capsys.readouterr().err == f"indicatorml: 错误: 文件不存在: {tmp_path / 'nope.txt'}\n"


def _garbled_seed(tmp_path: Path) -> Path:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    lines[13] = lines[13][: lines[13].index("21-经") + 4]  # truncated mid-indicator
    lines[16] = lines[16].replace("\t", "", 1)  # a lost tab
    f = tmp_path / "garbled.txt"
    f.write_text("\n".join(lines), encoding="utf-8")
    return f


def test_parse_problems_and_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _garbled_seed(tmp_path)
    assert main(["parse", str(f), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 75 - 2 - 3
    assert err.splitlines() == [
        f"{f}:14: 第4条指标:无法读取「4、2-效益指标；21-经」(应为以；分隔的5项)",
        f"{f}:17: 这一行有6个字段,表头有7个;这一行未读取",
        "读取 70 条指标, 23 个项目 (1 个文件); 2 个问题 (2 处)",
    ]
    assert main(["parse", str(f), "--format", "jsonl", "--strict"]) == 1
    assert main(["parse", str(SEED), "--format", "jsonl", "--strict"]) == 0


@pytest.mark.parametrize("case", ["empty", "binary", "no-column", "unknown-label"])
def test_bad_files_via_main(tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.csv"
    content = {
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "no-column": "名称,数值\n甲,1\n".encode(),
        "unknown-label": "指标名称,二级指标\n服务企业数量,数量指标\n甲,神秘指标\n".encode(),
    }[case]
    f.write_bytes(content)
    reason = {
        "empty": "空文件",
        "binary": "不是文本表格(二进制文件)",
        "no-column": "没有指标名称列(指标名称 / 三级指标 / indicator);读到的列: '名称', '数值'",
        "unknown-label": "二级指标「神秘指标」不是已知类别",
    }[case]
    where = f"{f}:3" if case == "unknown-label" else str(f)
    assert main(["parse", str(f), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == f"{where}: {reason}"
    assert len(out.splitlines()) == (2 if case == "unknown-label" else 0)
    assert main(["parse", str(f), "--format", "jsonl", "--strict"]) == 1
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("strict,code", [(False, 0), (True, 1)])
def test_subprocess_no_traceback(tmp_path: Path, strict: bool, code: int) -> None:
    binary = tmp_path / "photo.tsv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16)
    garbled = _garbled_seed(tmp_path)
    cmd = [sys.executable, "-m", "indicatorml.cli", "parse", str(binary), str(garbled), "--format", "jsonl"]
    proc = subprocess.run(cmd + (["--strict"] if strict else []), capture_output=True, text=True, timeout=60)
    assert proc.returncode == code
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0] == f"{binary}: 不是文本表格(二进制文件)"
    assert proc.stderr.splitlines()[-1] == "读取 70 条指标, 23 个项目 (2 个文件); 3 个问题 (3 处)"
    assert len(proc.stdout.splitlines()) == 70


def test_taxonomy_verb(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["taxonomy", "--format", "jsonl"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["code"] for r in rows] == [
        "1",
        "11",
        "12",
        "13",
        "14",
        "2",
        "21",
        "22",
        "23",
        "24",
        "3",
        "31",
        "4",
        "41",
        "42",
        "43",
    ]
    assert rows[1] == {
        "code": "11",
        "name": "数量指标",
        "level": 2,
        "parent": "1-产出指标",
        "layout": "通用",
        "description": rows[1]["description"],
    }
    assert main(["taxonomy"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["代码", "名称", "层级", "上级", "版式", "说明"]
    assert lines[3].split()[:5] == ["11", "数量指标", "2", "1-产出指标", "通用"]
    assert main(["taxonomy", "--output", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[
        0
    ] == "code,name,level,parent,layout,description"
