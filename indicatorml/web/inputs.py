"""A request's inputs, read under limits that answer: a JSON body, query texts, numbers, form fields.

Why limits here and not only in the Python API (issue 18): ``POST /api/classify`` with 1,000,000
items ran 42 s into a 500 at 3.5 GB, deeply nested JSON ended in a 500 (``RecursionError``), a
200,000-character query in a reset. A request is measured before any work is done on it, and
every limit answers with its own Chinese message and a status a client can act on:

* the body's kind: JSON endpoints take ``application/json`` only (415 otherwise: a form on
  another site can send ``text/plain``, never ``application/json``, without the browser asking
  the server first);
* sizes and counts — a JSON body over :data:`MAX_JSON_BYTES`, more than :data:`MAX_ITEMS` items,
  more than :data:`MAX_FILES` files — are 413;
* a text over :data:`MAX_TEXT` characters (a query, an indicator, a target, a comment) and JSON
  nested deeper than :data:`MAX_DEPTH` are 400.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..errors import IndicatormlError
from .uploads import Upload, read_uploads

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_ITEMS",
    "MAX_TEXT",
    "MAX_DEPTH",
    "MAX_FILES",
    "json_body",
    "json_depth",
    "text_of",
    "query_text",
    "search_text",
    "has_words",
    "optional_text",
    "int_param",
    "optional_int",
    "classify_args",
    "library_filters",
    "search_kind",
    "review_fields",
    "decision_args",
    "uploads_of",
    "form_of",
]

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 5000
MAX_TEXT = 2000
MAX_DEPTH = 20
MAX_FILES = 100


async def json_body(request: Request) -> Any:
    """The request's JSON, after checking its type (415), size (413) and depth (400)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HTTPException(
            415, f"请求体应为 JSON:请加上请求头 Content-Type: application/json(收到 {ctype or '没有类型'})"
        )
    too_big = HTTPException(413, f"JSON 请求体超过 {MAX_JSON_BYTES // (1024 * 1024)} MB 的上限,没有处理")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_JSON_BYTES:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise too_big
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks))
    except RecursionError:
        raise IndicatormlError(f"JSON 嵌套超过 {MAX_DEPTH} 层,没有处理") from None
    except ValueError:
        raise IndicatormlError("请求体不是有效的 JSON(应为 UTF-8 编码的 JSON 文本)") from None
    if json_depth(data) > MAX_DEPTH:
        raise IndicatormlError(f"JSON 嵌套超过 {MAX_DEPTH} 层,没有处理")
    return data


def json_depth(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((x, depth + 1) for x in item if isinstance(x, (list, dict)))
    return deepest


def text_of(value: Any, what: str, *, max_chars: int = MAX_TEXT) -> str:
    """``value`` as a text of at most ``max_chars`` characters (400 otherwise)."""
    if not isinstance(value, str):
        raise IndicatormlError(f"{what}应为文本")
    if len(value) > max_chars:
        raise IndicatormlError(f"{what}有 {len(value):,} 个字符,超过 {max_chars:,} 个字符的上限")
    return value


def query_text(request: Request, name: str, what: str) -> str:
    """A query parameter's text ("" when absent), at most :data:`MAX_TEXT` characters."""
    return text_of(request.query_params.get(name, ""), what)


def search_text(request: Request, name: str) -> str:
    """A query to search for: not empty, at most :data:`MAX_TEXT` characters, with a word in it
    (the search's own messages for these are for the command line, in English)."""
    text = query_text(request, name, "检索词")
    if not text.strip():
        raise IndicatormlError("请输入检索词,例如「引进首店数量」")
    if not has_words(text):
        raise IndicatormlError(f"检索词「{text.strip()[:40]}」里没有可检索的字词(只有标点、符号或空格)")
    return text


def has_words(text: str) -> bool:
    """Whether ``text`` has a word the search can look for."""
    from ..segment import search_tokens

    return bool(text.strip()) and len(text) <= MAX_TEXT and bool(search_tokens(text))


def optional_text(value: Any, what: str) -> str | None:
    """A form or query value as text, None when empty."""
    if value is None:
        return None
    text = text_of(value, what).strip()
    return text or None


def int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    """An integer query parameter within ``lo``–``hi`` (400 otherwise)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise IndicatormlError(f"{name} 应为 {lo}–{hi} 的整数,收到 {raw[:20]!r}") from None
    if not lo <= value <= hi:
        raise IndicatormlError(f"{name} 应为 {lo}–{hi} 的整数,收到 {value}")
    return value


def optional_int(value: Any, what: str, lo: int, hi: int) -> int | None:
    """A form or query value as an integer within ``lo``–``hi``, None when empty."""
    text = optional_text(value, what)
    if text is None:
        return None
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise IndicatormlError(f"{what}应为 {lo}–{hi} 的整数,收到 {text[:20]!r}")
    return int(text)


def classify_args(body: Any) -> tuple[list[tuple[str, str | None]], int, str]:
    """``{"items": [{"indicator", "target"?} | "text", …], "top_k"?, "layout"?}`` → the pairs
    to classify (at most :data:`MAX_ITEMS`, each text at most :data:`MAX_TEXT` characters)."""
    from ..taxonomy import LAYOUTS

    shape = '{"items": [{"indicator": "…", "target": "…"}]}'
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise IndicatormlError(f"缺少 items 列表:{shape}")
    if len(items) > MAX_ITEMS:
        raise HTTPException(413, f"一次最多 {MAX_ITEMS:,} 条指标,收到 {len(items):,} 条;请分批请求")
    pairs: list[tuple[str, str | None]] = []
    for k, it in enumerate(items):
        if isinstance(it, str):
            it = {"indicator": it}
        if not isinstance(it, dict) or not isinstance(it.get("indicator"), str):
            raise IndicatormlError(f"items[{k}] 应为含 indicator 文本的对象:{shape}")
        t = it.get("target")
        target = text_of(t, f"items[{k}].target ") if isinstance(t, str) and t.strip() else None
        pairs.append((text_of(it["indicator"], f"items[{k}].indicator "), target))
    top_k = body.get("top_k", 3)
    layout = body.get("layout", "pre2021")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= 20:
        raise IndicatormlError("top_k 应为 1–20 的整数")
    if layout not in LAYOUTS:
        raise IndicatormlError(f"layout 应为 {' 或 '.join(LAYOUTS)}")
    return pairs, top_k, layout


def library_filters(request: Request) -> dict[str, Any]:
    """The library search's filters from the query: ``year``, ``org``, ``department``, ``level2``
    (a category code or name), ``source`` (``library`` or ``shipped``)."""
    q = request.query_params
    source = optional_text(q.get("source"), "source")
    if source not in (None, "library", "shipped"):
        raise IndicatormlError("source 应为 library(本单位审核过的表)或 shipped(随附数据)")
    return {
        "year": optional_int(q.get("year"), "年度", 1900, 2999),
        "org": optional_text(q.get("org"), "单位"),
        "department": optional_text(q.get("department"), "部门"),
        "level2": optional_text(q.get("level2"), "类别"),
        "source": source,
    }


def search_kind(request: Request) -> str:
    kind = request.query_params.get("kind", "indicator") or "indicator"
    if kind not in ("indicator", "goal"):
        raise IndicatormlError("kind 应为 indicator(指标)或 goal(项目绩效目标)")
    return kind


def review_fields(fields: dict[str, str]) -> tuple[int | None, str | None]:
    """The optional ``year`` and ``org`` of a review upload."""
    year = optional_int(fields.get("year"), "年度", 1900, 2999)
    return year, optional_text(fields.get("org"), "主管部门")


def decision_args(body: Any) -> dict[str, Any]:
    """A decision as :func:`indicatorml.reviews.decide` takes it, from the API's JSON or a form.

    ``{"finding": id, "decision": "accept"|"keep"|"set", "level2_code"?, "comment"?}``, or
    ``{"file": n, "row": r, …}`` for an indicator row (``row`` counted from 0, as findings do).
    A form sends the same names as text.
    """
    shape = '{"finding": 编号, "decision": "accept"|"keep"|"set", "level2_code": …, "comment": …}'
    if not isinstance(body, dict):
        raise IndicatormlError(f"请求体应为 JSON 对象:{shape}")
    finding = _whole(body.get("finding"), "finding(问题编号)")
    file_n = _whole(body.get("file"), "file(文件序号)")
    row = _whole(body.get("row"), "row(行号)")
    if finding is None and (file_n is None or row is None):
        raise IndicatormlError(f"要给出 finding(问题编号),或 file 和 row(文件序号和行号):{shape}")
    decision = body.get("decision")
    if not isinstance(decision, str):
        raise IndicatormlError(
            f"缺少 decision:accept(采纳建议)、keep(保持原类别)或 set(改为指定类别):{shape}"
        )
    return {
        "finding": finding,
        "row": (file_n, row) if finding is None and file_n is not None and row is not None else None,
        "decision": decision,
        "level2_code": optional_text(body.get("level2_code"), "level2_code(二级指标代码)"),
        "comment": optional_text(body.get("comment"), "审核意见"),
    }


def _whole(value: Any, what: str) -> int | None:
    """A JSON integer or a form's digits as an int; None when absent or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise IndicatormlError(f"{what}应为整数")
    if isinstance(value, str):
        if not value.strip().isdigit() or len(value) > 18:
            raise IndicatormlError(f"{what}应为整数,收到 {value[:20]!r}")
        return int(value)
    if not 0 <= value < 2**62:
        raise IndicatormlError(f"{what}超出范围")
    return value


async def uploads_of(request: Request, *, single: bool = False) -> tuple[list[Upload], dict[str, str]]:
    """The uploaded files (multipart field ``file``, repeatable) and the form's other fields."""
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise IndicatormlError("请用 multipart/form-data 上传文件,字段名为 file")
    try:
        async with request.form(max_files=MAX_FILES, max_fields=50) as form:
            ups = await read_uploads(form)
            fields = _fields(form)
    except HTTPException as e:
        raise _form_error(e) from None
    if not ups:
        raise IndicatormlError("没有收到文件:上传的字段名应为 file")
    if single and len(ups) > 1:
        raise IndicatormlError("一次只能编码一个文件")
    return ups, fields


async def form_of(request: Request) -> dict[str, str]:
    """A form's text fields (urlencoded or multipart), each at most :data:`MAX_TEXT` characters."""
    try:
        async with request.form(max_files=0, max_fields=50) as form:
            return _fields(form)
    except HTTPException as e:
        raise _form_error(e) from None


def _form_error(e: HTTPException) -> HTTPException:
    """Starlette's form-parsing errors (English) in Chinese: too many files or fields is a
    count over its limit (413), the rest a malformed form (400)."""
    detail = str(e.detail)
    if e.status_code != 400:
        return e
    if detail.startswith("Too many files"):
        return HTTPException(413, f"一次最多上传 {MAX_FILES} 个文件,这次超过了;请分几次上传")
    if detail.startswith("Too many fields"):
        return HTTPException(413, "表单的字段太多,没有处理")
    if "maximum size" in detail:
        return HTTPException(413, "表单里的一个文字字段超过 1 MB,没有处理")
    return HTTPException(400, "上传的表单无法解析(multipart 格式不对)")


def _fields(form: FormData) -> dict[str, str]:
    out = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out[key] = text_of(value, f"表单字段 {key[:40]} ")
    return out
