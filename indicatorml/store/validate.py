"""Checking the plain data handed to the store before anything is written.

The database would refuse much of it too, but with an engine's English message about a
constraint; here the caller gets which review part, which item and which key is wrong, in
Chinese, and nothing is written. Unknown keys are refused as well: a misspelt ``level2code``
would otherwise vanish without a trace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .errors import InvalidError

__all__ = ["Spec", "check_item", "check_id", "check_int"]

# key → (accepted Python types, required). None among the types means the key may be None.
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
        if not _accepts(value, types):
            wanted = " 或 ".join(_TYPE_NAMES.get(t, getattr(t, "__name__", str(t))) for t in types)
            raise InvalidError(f"{where} 的 {key} 应为{wanted}，收到 {type(value).__name__}: {value!r:.80}")
        if isinstance(value, datetime) and value.tzinfo is None:
            raise InvalidError(
                f"{where} 的 {key} 是不带时区的时间：请给出 UTC 时间（datetime.now(timezone.utc)）"
            )
    return dict(item)


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
