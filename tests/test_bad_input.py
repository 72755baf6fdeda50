"""Bad input through every verb: one-line errors (exit 2, no traceback), problems with file:line,
nothing dropped in silence. Each test pins a bug found in the QA pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from indicatorml.cli import main
from indicatorml.tables import read_table

from helpers import CORPUS, ROOT, SEED


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "内部错误" not in err, err
    return rc, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["classify", "培训人数", "-o", "{missing}/x.csv"],
        ["classify", "--input", str(SEED), "-o", "{missing}/x.xlsx"],
        ["code", str(SEED), "-o", "{missing}/x.txt"],
        ["search", "满意度", "-o", "{missing}/x.csv"],
        ["parse", str(SEED), "-o", "{missing}/x.jsonl"],
    ],
)
def test_output_in_missing_directory_is_a_user_error(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such"
    argv = [a.replace("{missing}", str(missing)) for a in argv]
    rc, _, err = _run(argv, capsys)
    assert rc == 2
    assert (
        err.splitlines()[-1] == f"indicatorml: 错误: 无法写入 {missing}/{Path(argv[-1]).name}: "
        "没有这个文件或目录"
    )


def test_classify_xlsx_needs_output(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["classify", "培训人数", "--format", "xlsx"], capsys)
    assert (rc, err) == (
        2,
        "indicatorml: 错误: --format xlsx 要与 --output PATH 一起用(工作簿只能写进文件)\n",
    )


def test_classify_top_k_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["classify", "培训人数", "--top-k", "0"], capsys)
    assert (rc, err) == (2, "indicatorml: 错误: --top-k 至少为 1(收到 0)\n")


def test_code_on_a_directory_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(["code", str(tmp_path)], capsys)
    assert (rc, err) == (2, f"indicatorml: 错误: 这是一个目录,不是表格文件: {tmp_path}\n")


@pytest.mark.parametrize(
    "content",
    [
        b"",  # empty
        b"\x00\x01\x02\x03" * 500,  # binary
    ],
)
def test_check_of_an_unreadable_file_does_not_say_no_problems(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "t.csv"
    f.write_bytes(content)
    rc, out, err = _run(["check", str(f)], capsys)
    assert rc == 0 and "未发现问题" not in out
    assert out.splitlines()[:2] == [
        f"{f}: 0 条指标, 0 个项目 — 错误 0,警告 0,提示 0,读取问题 1",
        "  没有读到任何指标,无法检查(读取问题已另行列出)",
    ]
    assert main(["check", str(f), "--fail-on", "error"]) == 1
    capsys.readouterr()


def test_check_partly_read_file_mentions_the_unread_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "t.csv"
    f.write_text(
        "项目,指标,二级指标,年度指标值\nA,服务对象满意度,满意度指标,≥90%\nA,培训人数\n", encoding="utf-8"
    )
    table = read_table(f)
    assert len(table.records) == 2 and len(table.problems) == 1
    from indicatorml.checks.report import render_findings

    text = render_findings([], [table])
    assert text.splitlines() == [
        f"{f}: 2 条指标, 1 个项目 — 错误 0,警告 0,提示 0,读取问题 1",
        "  读到的指标未发现问题;另有 1 处读取问题(已另行列出)",
    ]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "--folds", "1"], "--folds 至少为 2(收到 1)"),
        (["evaluate", "--model-config", '{"C": -1}'], "模型选项 C 应为大于 0 的数,收到 -1"),
        (
            ["evaluate", "--model-config", '{"loss": "svm"}'],
            "模型选项 loss 应为'logistic' 或 'hinge',收到 'svm'",
        ),
        (
            ["evaluate", "--model-config", '{"min_df": 1.5}'],
            "模型选项 min_df 应为大于等于 1 的整数,收到 1.5",
        ),
        (
            ["train", "--data", str(CORPUS), "--out", "{tmp}/m", "--own-weight", "-1"],
            "--own-weight 应为大于 0 的数(收到 -1.0)",
        ),
        (
            ["train", "--data", str(CORPUS), "--out", str(SEED)],
            f"--out {SEED} 是一个文件;请给模型目录",
        ),
    ],
)
def test_bad_training_options_fail_before_any_work(
    tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _, err = _run([a.replace("{tmp}", str(tmp_path)) for a in argv], capsys)
    assert (rc, err) == (2, f"indicatorml: 错误: {message}\n")


@pytest.mark.parametrize("default", [True, False])
def test_train_on_an_unlabeled_table_says_why(
    tmp_path: Path, default: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "draft.csv"
    f.write_text("指标,年度指标值\n培训人数,100人\n合格率,95%\n", encoding="utf-8")
    argv = ["train", "--data", str(f), "--out", str(tmp_path / "m")] + (
        [] if default else ["--no-default-data"]
    )
    rc, _, err = _run(argv, capsys)
    assert rc == 2 and not (tmp_path / "m").exists()  # with the default data it used to train without a word
    assert err.splitlines()[-1] == (
        f"indicatorml: 错误: {f}: 读到的 2 条指标都没有二级指标类别,无从学习;"
        "请先给它们编码(例如 `indicatorml code FILE`,再人工复核类别),或者去掉 --data"
    )


def test_cut_off_seed_cell_is_reported(tmp_path: Path) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    full = lines[16]  # 外经贸工作经费: 3 indicators
    lines[16] = full[: full.index("2、1-产") + len("2、1-产")]
    f = tmp_path / "cut.txt"
    f.write_text("\n".join(lines), encoding="utf-8")
    t = read_table(f)
    assert [r.indicator for r in t.records if r.source == f"{f}:17"] == ["进出口增长率"]
    assert [(p.line, p.reason) for p in t.problems] == [
        (
            17,
            "第1条指标:指标值以「。2、1-产」结尾,这是第2条指标的开头;单元格似乎在此被截断",
        )
    ]
    assert len(t.records) == 75 - 2


def _reencode(src: Path, dst: Path, enc: str) -> Path:
    text = src.read_text(encoding="utf-8")
    dst.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8") if enc == "bom" else text.encode(enc))
    return dst


@pytest.mark.parametrize("enc", ["gb18030", "bom"])
def test_encodings_read_the_same_through_classify_and_check(
    tmp_path: Path, enc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def outputs(path: Path) -> list[str]:
        res = []
        for argv in (
            ["classify", "--input", str(path), "--format", "jsonl"],
            ["check", str(path), "--format", "jsonl"],
        ):
            rc, out, _ = _run(argv, capsys)
            assert rc == 0
            res.append(out.replace(str(path), "F"))
        return res

    for src in (SEED, CORPUS):
        other = _reencode(src, tmp_path / f"x{src.suffix}", enc)
        assert outputs(other) == outputs(src)


def test_end_to_end_bad_output_directory_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "indicatorml.cli", "code", str(SEED), "-o", str(tmp_path / "nope" / "x.txt")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("indicatorml: 错误: 无法写入 ")
    assert proc.stdout == ""
