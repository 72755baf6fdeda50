"""The ``users`` and ``audit`` verbs: open the store, make one call into the accounts API, say what happened in Chinese.

Data (the user list, the audit lines) goes to stdout in the asked-for format; what was done
goes to stderr, one line. A password is read from the terminal without echo (twice), or with
``--password-stdin`` as the first line of standard input (for scripts) — never from an argument,
which every user of the machine could read in the process list.
"""

from __future__ import annotations

import getpass
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from ..errors import IndicatormlError
from ..output import guess_format, write_rows
from ..store import Store, StoreError, User, open_store
from ..store.engine import database_url
from .audit import AUDIT_COLUMNS, AUDIT_HEADERS, audit_rows
from .roles import role_name
from .users import change_user, create_user, disable_user, enable_user, list_users, set_password

__all__ = [
    "open_accounts_store",
    "read_password",
    "parse_when",
    "users_add",
    "users_list",
    "users_passwd",
    "users_disable",
    "users_enable",
    "users_change",
    "audit_export",
    "USER_COLUMNS",
    "USER_HEADERS",
]

USER_COLUMNS = ("name", "display_name", "role", "department", "state", "last_login_at", "created_at")
USER_HEADERS = {
    "name": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "department": "部门",
    "state": "状态",
    "last_login_at": "最近登录",
    "created_at": "建立时间",
}
_RELATIVE = re.compile(r"(\d+)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def open_accounts_store(db: str | None, data_dir: Path, create: bool) -> Store:
    """The server's store (``--db``, else the SQLite file under ``--data-dir``). Only a verb
    that writes (``create``) makes a new one: listing a store that is not there is a mistake
    in the path, said so, not an empty answer."""
    target = database_url(db, data_dir)
    if not create and target.get_backend_name() == "sqlite" and not Path(target.database or "").is_file():
        raise StoreError(
            f"没有找到数据库 {target.database}：请用 --data-dir 指向服务器的数据目录，或用 --db 给出数据库地址"
        )
    return open_store(db, data_dir)


def read_password(from_stdin: bool, stdin: TextIO | None = None) -> str:
    """The new password: the first line of standard input, or typed twice on the terminal."""
    stdin = stdin or sys.stdin
    if from_stdin:
        line = stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
        if not password:
            raise IndicatormlError("--password-stdin：标准输入的第一行是空的，没有读到密码")
        return password
    if not stdin.isatty():
        raise IndicatormlError("没有终端可以输入密码：请用 --password-stdin 从标准输入给出密码")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise IndicatormlError("两次输入的密码不一样，没有保存")
    return first


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A time for ``--since``/``--until``: ``2025-03-01``, ``2025-03-01 08:30``, ISO 8601 (a
    time without a zone is this computer's local time), or ago: ``7d``, ``24h``, ``30m``."""
    now = now or datetime.now(UTC)
    m = _RELATIVE.fullmatch(text.strip())
    if m:
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise IndicatormlError(
            f"看不懂的时间 {text!r:.40}：请写 2025-03-01、2025-03-01 08:30，或 7d（7 天前）、24h、30m"
        ) from None
    return (when.astimezone() if when.tzinfo is None else when).astimezone(UTC)


# ------------------------------------------------------------------ the users verbs
def users_add(
    store: Store,
    name: str,
    role: str,
    department: str | None,
    display_name: str | None,
    password: str,
    err: TextIO,
) -> User:
    user = create_user(store, name, password, role, department, display_name)
    where = f"，部门 {user['department']}" if user["department"] else ""
    print(f"indicatorml: 已建立账号 {user['name']}（{role_name(user['role'])}{where}）", file=err)
    return user


def users_list(
    store: Store, department: str | None, fmt: str | None, output: str | None, out: TextIO | None = None
) -> int:
    users = list_users(store, department)
    fmt = guess_format(output, fmt)
    _write(
        [_user_row(u, fmt) for u in users],
        fmt,
        output,
        out,
        USER_COLUMNS,
        USER_HEADERS,
        chinese=fmt != "jsonl",
    )
    return len(users)


def users_passwd(store: Store, name: str, password: str, err: TextIO) -> User:
    user = set_password(store, name, password)
    print(f"indicatorml: 已修改 {user['name']} 的密码；它的所有登录都已退出", file=err)
    return user


def users_disable(store: Store, name: str, err: TextIO) -> User:
    user = disable_user(store, name)
    print(
        f"indicatorml: 已停用账号 {user['name']}（它的所有登录都已退出；审核记录和审计日志仍保留它）",
        file=err,
    )
    return user


def users_enable(store: Store, name: str, err: TextIO) -> User:
    user = enable_user(store, name)
    print(f"indicatorml: 已启用账号 {user['name']}", file=err)
    return user


def users_change(
    store: Store,
    name: str,
    role: str | None,
    department: str | None,
    display_name: str | None,
    err: TextIO,
) -> User:
    if role is None and department is None and display_name is None:
        raise IndicatormlError("没有要修改的：请给出 --role、--department 或 --display-name")
    user = change_user(store, name, role=role, department=department, display_name=display_name)
    where = f"，部门 {user['department']}" if user["department"] else ""
    print(f"indicatorml: 账号 {user['name']} 现在是 {role_name(user['role'])}{where}", file=err)
    return user


# ------------------------------------------------------------------ the audit verb
def audit_export(
    store: Store,
    *,
    since: str | None,
    until: str | None,
    user: str | None,
    action: str | None,
    department: str | None,
    limit: int,
    fmt: str | None,
    output: str | None,
    out: TextIO | None = None,
) -> int:
    """Write the audit lines matching the filters; how many. JSONL keeps ids, UTC times and
    details as objects (for scripts); table and CSV show local times and Chinese action names."""
    entries = store.audit_log(
        since=parse_when(since) if since else None,
        until=parse_when(until) if until else None,
        user=user,
        action=action,
        department=department,
        limit=limit,
    )
    fmt = guess_format(output, fmt)
    if fmt == "jsonl":
        rows: list[dict[str, Any]] = [{**e, "created_at": e["created_at"].isoformat()} for e in entries]
        write_rows(rows, fmt, output, stream=out)
    else:
        _write(audit_rows(entries), fmt, output, out, AUDIT_COLUMNS, AUDIT_HEADERS, chinese=True)
    return len(entries)


def _write(
    rows: list[dict[str, Any]],
    fmt: str,
    output: str | None,
    out: TextIO | None,
    columns: tuple[str, ...],
    headers: dict[str, str],
    chinese: bool,
) -> None:
    """Rows out: the table with Chinese headers; CSV/TSV/XLSX with Chinese column names too,
    and CSV/TSV cells that a spreadsheet would run as a formula kept as text (XLSX cells are
    written as text by output.write_rows already)."""
    if fmt == "table" or not chinese:
        write_rows(rows, fmt, output, columns, stream=out, headers=headers)
        return
    safe = _spreadsheet_safe if fmt in ("csv", "tsv") else (lambda v: v)
    named = [{headers[k]: safe(r.get(k)) for k in columns} for r in rows]
    write_rows(named, fmt, output, [headers[k] for k in columns], stream=out)


def _user_row(user: User, fmt: str) -> dict[str, Any]:
    def when(at: datetime | None) -> str | None:
        if at is None:
            return None
        return at.isoformat() if fmt == "jsonl" else at.astimezone().strftime("%Y-%m-%d %H:%M")

    row: dict[str, Any] = {
        "name": user["name"],
        "display_name": user["display_name"],
        "role": user["role"] if fmt == "jsonl" else role_name(user["role"]),
        "department": user["department"],
        "state": "已停用" if user["disabled_at"] else "可用",
        "last_login_at": when(user["last_login_at"]),
        "created_at": when(user["created_at"]),
    }
    if fmt == "jsonl":
        row["disabled"] = user["disabled_at"] is not None
        del row["state"]
    return row


def _spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would take for a formula (=, +, -, @ first), kept as text: a
    department or a name tried at the login page is anyone's text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
