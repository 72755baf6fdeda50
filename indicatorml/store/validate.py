"""Checking the plain data handed to the store before anything is written.

The database would refuse much of it too, but with an engine's English message about a
constraint; here the caller gets which review part, which item and which key is wrong, in
Chinese, and nothing is written. Unknown keys are refused as well: a misspelt ``level2code``
would otherwise vanish without a trace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .errors import InvalidError

__all__ = ["Spec", "Json", "check_item", "check_id", "check_int", "check_json", "check_lengths"]


class Json:
    """In a spec: any JSON value (checked by serializing it: no NaN, no bytes, str keys only)."""


# key → (accepted Python types, required). None among the types means the key may be None;
# Json means the value must serialize as JSON (and, with other types beside it, be one of them).
Spec = Mapping[str, tuple[tuple[type | None, ...], bool]]
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

_TYPE_NAMES: dict[type | None, str] = {
    str: "文本",
    int: "整数",
    float: "数",
    dict: "对象",
    list: "列表",
    bytes: "bytes",
    datetime: "带时区的时间",
    None: "空",
}


def check_item(item: object, spec: Spec, where: str) -> dict[str, Any]:
    """``item`` as a dict if it has the keys of ``spec`` with accepted types, else InvalidError."""
    if not isinstance(item, Mapping):
        raise InvalidError(f"{where} 应为对象（dict），收到 {type(item).__name__}")
    unknown = sorted(set(item) - set(spec))
    if unknown:
        raise InvalidError(
            f"{where} 有不认识的键：{'、'.join(map(str, unknown))}（可用的键：{'、'.join(spec)}）"
        )
    for key, (types, required) in spec.items():
        if key not in item:
            if required:
                raise InvalidError(f"{where} 缺少 {key}")
            continue
        value = item[key]
        if Json in types:
            check_json(value, f"{where} 的 {key}")
            types = tuple(t for t in types if t is not Json)
            if not types:
                continue
        if not _accepts(value, types):
            wanted = " 或 ".join(_TYPE_NAMES.get(t, getattr(t, "__name__", str(t))) for t in types)
            raise InvalidError(f"{where} 的 {key} 应为{wanted}，收到 {type(value).__name__}: {value!r:.80}")
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**31) <= value < 2**31:
            raise InvalidError(f"{where} 的 {key} 超出整数范围：{value}")
        if isinstance(value, str) and "\x00" in value:
            raise InvalidError(f"{where} 的 {key} 含有 NUL 字符（\\x00）：PostgreSQL 不收，请先清除")
        if isinstance(value, datetime) and value.tzinfo is None:
            raise InvalidError(
                f"{where} 的 {key} 是不带时区的时间：请给出 UTC 时间（datetime.now(timezone.utc)）"
            )
    return dict(item)


def check_lengths(item: Mapping[str, Any], table: sa.Table, where: str) -> None:
    """InvalidError if a text is longer than its column allows. PostgreSQL enforces VARCHAR(n) and
    SQLite does not: checked here so both engines take the same data (and a SQLite backup
    restores into PostgreSQL)."""
    for key, value in item.items():
        if isinstance(value, str) and key in table.c:
            length = getattr(table.c[key].type, "length", None)
            if length is not None and len(value) > length:
                raise InvalidError(f"{where} 的 {key} 超过 {length} 个字符：{value[:40]!r}…")


def check_json(value: object, what: str) -> None:
    """InvalidError unless ``value`` is JSON as PostgreSQL's json type takes it (SQLite too)."""
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise InvalidError(f"{what} 不是合法的 JSON：{e}") from None


def check_id(value: object, what: str) -> str:
    """A url-safe id of 1–64 characters (reviews and jobs), else InvalidError."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidError(f"{what} 应为 1 到 64 个字母、数字、- 或 _，收到 {value!r:.80}")
    return value


def check_int(value: object, what: str) -> int:
    """An int that is not a bool, else InvalidError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidError(f"{what} 应为整数，收到 {value!r:.80}")
    return value


def _accepts(value: object, types: tuple[type | None, ...]) -> bool:
    if value is None:
        return None in types
    if isinstance(value, bool) and bool not in types:
        return False  # True is an int to Python, not a row number to us
    if isinstance(value, (bytearray, memoryview)) and bytes in types:
        return True
    if isinstance(value, int) and float in types:
        return True
    return any(t is not None and isinstance(value, t) for t in types)
