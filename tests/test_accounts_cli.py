"""``indicatorml users …`` and ``indicatorml audit`` as an administrator runs them (through cli.main)."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from indicatorml.accounts import login
from indicatorml.accounts.command import parse_when
from indicatorml.cli import main
from indicatorml.store import open_store


def run(argv, capsys, monkeypatch, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def data(tmp_path):
    return ["--data-dir", str(tmp_path / "server")]


def test_the_first_admin_then_a_reviewer_listed_in_chinese(data, capsys, monkeypatch):
    rc, _, err = run(
        ["users", "add", "Admin", "--role", "管理", "--display-name", "张三", "--password-stdin", *data],
        capsys,
        monkeypatch,
        "first-password\n",
    )
    assert (rc, err) == (0, "indicatorml: 已建立账号 admin（管理）\n")
    rc, _, err = run(
        ["users", "add", "li", "--role", "审核", "--department", "预算处", "--password-stdin", *data],
        capsys,
        monkeypatch,
        "second-password\r\n",
    )
    assert (rc, err) == (0, "indicatorml: 已建立账号 li（审核，部门 预算处）\n")
    rc, out, _ = run(["users", "list", *data], capsys, monkeypatch)
    lines = out.splitlines()
    assert rc == 0 and lines[0].split() == ["用户名", "姓名", "角色", "部门", "状态", "最近登录", "建立时间"]
    assert lines[2].split()[:4] == ["admin", "张三", "管理", "可用"] and lines[3].split()[:4] == [
        "li",
        "审核",
        "预算处",
        "可用",
    ]
    rc, out, _ = run(["users", "list", "--format", "jsonl", *data], capsys, monkeypatch)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["name"], r["role"], r["disabled"]) for r in rows] == [
        ("admin", "admin", False),
        ("li", "reviewer", False),
    ]
    with open_store(None, data[1]) as store:  # the password read from stdin without its line end
        assert login(store, "li", "second-password", ip=None).user["department"] == "预算处"


def test_passwd_disable_enable_change(data, capsys, monkeypatch):
    run(
        ["users", "add", "admin", "--role", "管理", "--password-stdin", *data],
        capsys,
        monkeypatch,
        "first-password\n",
    )
    run(
        ["users", "add", "li", "--role", "填报", "--department", "预算处", "--password-stdin", *data],
        capsys,
        monkeypatch,
        "second-password\n",
    )
    rc, _, err = run(
        ["users", "passwd", "LI", "--password-stdin", *data], capsys, monkeypatch, "third-password\n"
    )
    assert rc == 0 and "已修改 li 的密码" in err
    assert run(["users", "disable", "li", *data], capsys, monkeypatch)[2].startswith(
        "indicatorml: 已停用账号 li"
    )
    assert "已启用账号 li" in run(["users", "enable", "li", *data], capsys, monkeypatch)[2]
    rc, _, err = run(
        ["users", "change", "li", "--role", "审核", "--department", "绩效处", *data], capsys, monkeypatch
    )
    assert (rc, err) == (0, "indicatorml: 账号 li 现在是 审核，部门 绩效处\n")
    rc, _, err = run(["users", "disable", "admin", *data], capsys, monkeypatch)
    assert rc == 2 and "最后一个可用的管理账号" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, stdin, message",
    [
        (
            ["users", "add", "x", "--role", "老板"],
            "pw-long-enough\n",
            "没有角色 '老板'：角色是 审核、填报 或 管理",
        ),
        (["users", "add", "x y", "--role", "管理"], "pw-long-enough\n", "不含空格"),
        (
            ["users", "add", "x", "--role", "管理"],
            "pw-long-enough\n",
            "没有终端可以输入密码：请用 --password-stdin",
        ),
        (["users", "add", "x", "--role", "管理", "--password-stdin"], "\n", "标准输入的第一行是空的"),
        (["users", "add", "x", "--role", "管理", "--password-stdin"], "short\n", "密码至少要 8 个字符"),
        (["users", "add", "x", "--role", "审核", "--password-stdin"], "pw-long-enough\n", "要属于一个部门"),
        (["users", "change", "x"], "", "没有找到数据库"),
        (["audit", "--since", "yesterday"], "", "没有找到数据库"),
    ],
)
def test_mistakes_are_one_chinese_line(data, capsys, monkeypatch, argv, stdin, message):
    rc, out, err = run([*argv, *data], capsys, monkeypatch, stdin)
    assert rc == 2 and out == "" and message in err and err.count("\n") == 1, err


def test_audit_exports_filtered_lines_as_table_jsonl_and_csv(data, capsys, monkeypatch, tmp_path):
    run(
        ["users", "add", "admin", "--role", "管理", "--password-stdin", *data],
        capsys,
        monkeypatch,
        "first-password\n",
    )
    run(
        [
            "users",
            "add",
            "cmd",
            "--role",
            "审核",
            "--department",
            '=HYPERLINK("x")',
            "--password-stdin",
            *data,
        ],
        capsys,
        monkeypatch,
        "second-password\n",
    )
    with open_store(None, data[1]) as store:
        store.append_audit({"action": "login", "user_name": "admin", "ip": "10.0.0.1"})
    rc, out, _ = run(["audit", *data], capsys, monkeypatch)
    lines = out.splitlines()
    assert rc == 0 and lines[0].split()[:6] == ["序号", "时间", "用户", "部门", "操作代码", "操作"]
    assert "命令行（" in lines[2] and "新建账号" in lines[2] and lines[4].split()[4:6] == ["login", "登录"]
    rc, out, _ = run(["audit", "--user", "admin", "--format", "jsonl", *data], capsys, monkeypatch)
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["action"] == "login" and line["ip"] == "10.0.0.1" and line["created_at"].endswith("+00:00")
    rc, out, _ = run(
        ["audit", "--action", "user_created", "--since", "1h", "--format", "csv", *data], capsys, monkeypatch
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["操作"] for r in rows] == ["新建账号", "新建账号"]
    assert rows[1]["部门"] == '\'=HYPERLINK("x")'  # never a live formula in a spreadsheet
    rc, out, _ = run(["audit", "--until", "2000-01-01", *data], capsys, monkeypatch)
    assert rc == 0 and len(out.splitlines()) == 2  # headers only
    rc, _, err = run(["audit", "--limit", "1", *data], capsys, monkeypatch)
    assert "只列出了前 1 条" in err


def test_times_for_since_and_until():
    from datetime import UTC, datetime, timedelta

    now = datetime(2025, 3, 2, 12, 0, tzinfo=UTC)
    assert parse_when("7d", now) == now - timedelta(days=7) and parse_when("30m", now) == now - timedelta(
        minutes=30
    )
    assert parse_when("2025-03-01T08:00:00+08:00") == datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
    assert parse_when("2025-03-01").tzinfo is UTC
