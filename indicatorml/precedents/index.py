"""Precedent search: past indicators and project goals, found by BM25, summarised for a writer.

Why: a writer drafting "引进首店数量" wants to see how other projects phrased it, where they filed
it and what targets they set; a reviewer wants the projects whose goals resemble a new one. So
two indexes are kept side by side: one document per indicator row, ranked by
``engine.FieldedIndex`` (the indicator's words, its character bigrams and its project's name
as weighted BM25 fields, see ``ranking``), and one per project goal (goal text + project name,
``bm25.BM25`` over ``segment.search_tokens``: the classifier's segmenter plus character
bigrams, so "首店" still meets "引进广州首店").

The shipped data (``data/corpus/public_indicators.tsv`` + ``data/seed/*.txt``, ~700 rows) is
indexed in memory on first use, in well under a second: nothing derived is written to disk,
so the default index can never be stale. ``indicatorml index build`` writes an index of
the user's own tables to a directory of ``.npy`` arrays + JSON/JSONL, loaded memory-mapped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .. import shipped
from ..errors import IndicatormlError, os_reason
from ..shipped import default_data_paths
from .bm25 import BM25
from .engine import FieldedIndex

__all__ = [
    "KINDS",
    "MAX_QUERY_CHARS",
    "PrecedentIndex",
    "DATA_DIR",
    "default_data_paths",
    "build_index",
    "load_index",
    "shipped_records",
    "query_tokens",
    "search",
    "search_columns",
]

KINDS = ("indicator", "goal")


FORMAT = "indicatorml-precedent-index"


_VERSION = 2  # 2: the indicator half is a FieldedIndex (version 1 indexes are refused: rebuild them)


# A query is a draft indicator or a project goal; the longest goal in the seed is ~300 characters.
MAX_QUERY_CHARS = 2000


DATA_DIR = shipped.DATA_DIR


INDICATOR_KEYS = (
    "indicator",
    "level1_code",
    "level1",
    "level2_code",
    "level2",
    "target",
    "period_target",
    "project",
    "source",
    "url",
)


GOAL_KEYS = ("goal", "project", "source", "url", "indicators")


def _dictionary_sha() -> str:
    """Fingerprint of the segmenter's dictionary: an index built with another one tokenizes differently."""
    data = resources.files("indicatorml.resources").joinpath("words.txt").read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


def _flat_goals(records: Sequence[Any]) -> dict[tuple[str | None, str | None, str], list[Any]]:
    """Rows of a flat table that carry a goal, one group per (page, project, goal), first-seen order."""
    groups: dict[tuple[str | None, str | None, str], list[Any]] = {}
    for r in records:
        if (r.goal or "").strip():
            groups.setdefault((r.url, r.project, r.goal), []).append(r)
    return groups


# ---------------------------------------------------------------------------- the index
@dataclass
class PrecedentIndex:
    """The indicator index (fielded BM25), the goal index (BM25) and the rows they point to."""

    indicator_docs: list[dict[str, Any]]
    indicator_index: FieldedIndex | None
    goal_docs: list[dict[str, Any]] = field(default_factory=list)
    goal_bm25: BM25 | None = None
    inputs: list[str] = field(default_factory=list)
    dictionary: str = ""
    notes: list[str] = field(default_factory=list)  # things a user should know, e.g. a stale index

    @classmethod
    def from_tables(cls, tables: Iterable[Any], progress: bool = False) -> PrecedentIndex:
        """Index every indicator row and every project goal of the tables read by ``tables.read_table``."""
        from ..segment import search_tokens

        tables = list(tables)
        ind_docs: list[dict[str, Any]] = []
        ind_texts: list[tuple[str, str | None, str | None]] = []
        goal_docs: list[dict[str, Any]] = []
        goal_tokens: list[list[str]] = []
        bar = None
        if progress:  # segmenting is the slow part of indexing a big table, so it gets the bar
            from tqdm import tqdm

            bar = tqdm(
                total=sum(len(t.records) + len(t.projects) for t in tables),
                unit="行",
                desc="分词",
                leave=False,
                file=sys.stderr,
            )
        for t in tables:
            for r in t.records:
                if bar is not None:
                    bar.update()
                if not (r.indicator or "").strip():
                    continue
                ind_docs.append({k: getattr(r, k) for k in INDICATOR_KEYS})
                ind_texts.append((r.indicator, r.project, r.goal))
            for p in t.projects:
                if bar is not None:
                    bar.update()
                if not (p.goal or "").strip():
                    continue
                recs = [t.records[i] for i in p.indicator_rows if 0 <= i < len(t.records)]
                goal_docs.append(
                    {
                        "goal": p.goal,
                        "project": p.name,
                        "source": p.source,
                        "url": next((r.url for r in recs if r.url), None),
                        "indicators": [r.indicator for r in recs],
                    }
                )
                goal_tokens.append(search_tokens(p.name) + search_tokens(p.goal))
            if not t.projects:  # a flat table has no project rows: its goals sit on the indicator rows
                for (url, name, goal), recs in _flat_goals(t.records).items():
                    goal_docs.append(
                        {
                            "goal": goal,
                            "project": name,
                            "source": recs[0].source,
                            "url": url,
                            "indicators": [r.indicator for r in recs],
                        }
                    )
                    goal_tokens.append(search_tokens(name or "") + search_tokens(goal))
        if bar is not None:
            bar.close()
        if not ind_docs and not goal_docs:
            names = ", ".join(t.path for t in tables) or "(no files)"
            raise IndicatormlError(f"没有可建索引的内容: 从 {names} 没有读到指标或绩效目标")
        ind_index = None
        if ind_docs and any(search_tokens(text) for text, _, _ in ind_texts):
            ind_index = FieldedIndex()
            ind_index.add_texts(ind_texts)
        goal_bm25 = BM25().index(goal_tokens, progress=progress) if goal_docs and any(goal_tokens) else None
        return cls(
            ind_docs if ind_index else [],
            ind_index,
            goal_docs if goal_bm25 else [],
            goal_bm25,
            [t.path for t in tables],
            _dictionary_sha(),
        )

    def search(self, query: str, kind: str = "indicator", top: int = 10) -> list[dict[str, Any]]:
        """Hits sharing at least one token with ``query``: the document's fields plus ``score``."""
        if kind not in KINDS:
            raise IndicatormlError(f"没有 {kind!r} 这种检索对象;可选: {', '.join(KINDS)}")
        index = self.indicator_index if kind == "indicator" else self.goal_bm25
        if index is None:
            what = "指标" if kind == "indicator" else "项目绩效目标"
            raise IndicatormlError(f"这个索引里没有{what}可检索(建索引的表里没有)")
        tokens = query_tokens(query)
        if top < 1:
            raise IndicatormlError(f"--top 至少为 1(收到 {top})")
        if isinstance(index, FieldedIndex):
            found = index.search(query, top)
            docs = self.indicator_docs
        else:
            found = index.search(tokens, top, matched_only=True)
            docs = self.goal_docs
        return [{"score": round(score, 6), **docs[i]} for i, score in found]

    # ---------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> None:
        """``index.json`` + one sub-directory per kind (BM25 arrays + ``docs.jsonl``)."""
        try:
            self._save(Path(path))
        except OSError as e:
            raise IndicatormlError(f"无法把索引写入 {path}: {os_reason(e)}") from None

    def _save(self, d: Path) -> None:
        d.mkdir(parents=True, exist_ok=True)
        counts = {}
        for kind in KINDS:
            index = self.indicator_index if kind == "indicator" else self.goal_bm25
            docs = self.indicator_docs if kind == "indicator" else self.goal_docs
            counts[kind] = len(docs) if index is not None else 0
            if index is None:
                continue
            index.save(d / kind)
            with open(d / kind / "docs.jsonl", "w", encoding="utf-8") as fh:
                for doc in docs:
                    fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
        meta = {
            "format": FORMAT,
            "version": _VERSION,
            "counts": counts,
            "inputs": self.inputs,
            "tokenizer": "indicatorml.precedents.ranking (indicators), indicatorml.segment.search_tokens (goals)",
            "dictionary": self.dictionary,
        }
        (d / "index.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, mmap: bool = True) -> PrecedentIndex:
        """Load a saved index (arrays memory-mapped by default); damage gives IndicatormlError."""
        d = Path(path)
        if not d.is_dir():
            raise IndicatormlError(
                f"索引目录 {d} 不存在;请先用 `indicatorml index build FILE... --out DIR` 建立索引"
            )
        f = d / "index.json"
        try:
            meta = json.loads(f.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndicatormlError(
                f"{d} 不是 indicatorml 的索引(没有 index.json);请先用 "
                "`indicatorml index build FILE... --out DIR` 建立索引"
            ) from None
        except (ValueError, UnicodeDecodeError, OSError) as e:
            raise IndicatormlError(
                f"索引文件 {f} 已损坏(技术细节: {e});请用 indicatorml index build 重新建立索引"
            ) from None
        if (
            not isinstance(meta, dict)
            or meta.get("format") != FORMAT
            or not isinstance(meta.get("counts"), dict)
        ):
            raise IndicatormlError(f"{f} 不是 indicatorml 的先例索引")
        if meta.get("version") != _VERSION:
            raise IndicatormlError(
                f"{d}: 不支持索引版本 {meta.get('version')};请用 indicatorml index build 重新建立索引"
            )
        indicator_index: FieldedIndex | None = None
        goal_bm25: BM25 | None = None
        docs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        for kind in KINDS:
            if not meta["counts"].get(kind):
                continue
            if not (d / kind).is_dir():
                raise IndicatormlError(
                    f"索引目录 {d / kind} 不存在;请用 indicatorml index build 重新建立索引"
                )
            if kind == "indicator":
                indicator_index = FieldedIndex.load(d / kind)
                n = indicator_index.n_docs
            else:
                goal_bm25 = BM25.load(d / kind, mmap=mmap)
                n = goal_bm25.n_docs
            docs[kind] = _read_docs(d / kind / "docs.jsonl")
            if len(docs[kind]) != n:
                raise IndicatormlError(
                    f"{d / kind / 'docs.jsonl'} 有 {len(docs[kind])} 行,索引却有 "
                    f"{n} 条;请用 indicatorml index build 重新建立索引"
                )
        index = cls(
            docs["indicator"],
            indicator_index,
            docs["goal"],
            goal_bm25,
            list(meta.get("inputs") or []),
            str(meta.get("dictionary") or ""),
        )
        if index.dictionary != _dictionary_sha():
            index.notes.append(
                f"索引 {d} 是用另一版词典建的,查询的分词与它不同;用 indicatorml index build 重建索引"
            )
        return index


def _read_docs(f: Path) -> list[dict[str, Any]]:
    try:
        lines = f.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise IndicatormlError(
            f"索引目录 {f.parent} 不完整: 缺少 docs.jsonl;请用 indicatorml index build 重新建立索引"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise IndicatormlError(
            f"索引文件 {f} 已损坏(技术细节: {e});请用 indicatorml index build 重新建立索引"
        ) from None
    docs = []
    for n, line in enumerate(lines, 1):
        try:
            doc = json.loads(line)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise IndicatormlError(
                f"索引文件 {f}:{n} 已损坏(不是 JSON 对象);请用 indicatorml index build 重新建立索引"
            )
        docs.append(doc)
    return docs


# ---------------------------------------------------------------------------- API functions
def build_index(
    paths: Sequence[str | Path],
    out: str | Path | None = None,
    progress: bool = True,
    problems_stream: Any = None,
) -> PrecedentIndex:
    """Read tables (any kind ``tables.read_table`` reads), index them, save to ``out`` if given.

    Rows that cannot be read are reported (file:line) on ``problems_stream`` (stderr) and the
    rest is indexed.
    """
    from ..tables import read_tables, report_problems

    if not paths:
        raise IndicatormlError("index build: 请至少给一个表格文件")
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise IndicatormlError(f"文件不存在: {', '.join(missing)}")
    tables = read_tables([str(p) for p in paths])
    report_problems(tables, stream=problems_stream or sys.stderr)
    index = PrecedentIndex.from_tables(tables, progress=progress)
    if out is not None:
        index.save(out)
    return index


@functools.lru_cache(maxsize=1)
def _default_index() -> PrecedentIndex:
    import io

    # The shipped files are known to read cleanly; their problems (if any) are not the user's.
    # Sources are shown relative to the project ("data/seed/…txt:14"), not as absolute paths.
    root = str(DATA_DIR.parent) + "/"
    paths = default_data_paths()
    index = build_index(paths, progress=False, problems_stream=io.StringIO())
    for doc in index.indicator_docs + index.goal_docs:
        if isinstance(doc.get("source"), str) and doc["source"].startswith(root):
            doc["source"] = doc["source"][len(root) :]
    index.inputs = [str(p.relative_to(DATA_DIR.parent)) for p in paths]
    return index


@functools.lru_cache(maxsize=1)
def _shipped_records() -> tuple[Any, ...]:
    import dataclasses
    import io

    from ..tables import read_tables, report_problems

    root = str(DATA_DIR.parent) + "/"
    tables = read_tables([str(p) for p in default_data_paths()])
    report_problems(tables, stream=io.StringIO())  # the shipped files read cleanly; not the user's problems
    out = []
    for t in tables:
        for r in t.records:
            source = r.source[len(root) :] if r.source.startswith(root) else r.source
            out.append(dataclasses.replace(r, source=source))
    return tuple(out)


def shipped_records() -> list[Any]:
    """Every indicator record of the shipped tables, sources relative to the project
    (``data/seed/…txt:14``), read once per process: the library's first rows."""
    return list(_shipped_records())


def load_index(path: str | Path | PrecedentIndex | None = None) -> PrecedentIndex:
    """The index at ``path``; None means the shipped data, indexed in memory once per process."""
    if isinstance(path, PrecedentIndex):
        return path
    if path is None:
        return _default_index()
    return PrecedentIndex.load(path)


def query_tokens(text: str | None) -> list[str]:
    """Tokens of a query, or a clear IndicatormlError for an empty, punctuation-only or huge query."""
    from ..segment import search_tokens

    s = "" if text is None else str(text)
    if not s.strip():
        raise IndicatormlError("检索词是空的;请给出指标或绩效目标的草稿文字,如「引进首店数量」")
    if len(s) > MAX_QUERY_CHARS:
        raise IndicatormlError(
            f"检索词有 {len(s):,} 个字符,上限是 {MAX_QUERY_CHARS:,}(一条指标草稿或一个项目绩效目标)"
        )
    tokens = search_tokens(s)
    if not tokens:
        raise IndicatormlError(f"检索词「{s.strip()[:40]}」里没有可检索的词(只有标点、符号或空格)")
    return tokens


def search(
    query: str, kind: str = "indicator", top: int = 10, index: str | Path | PrecedentIndex | None = None
) -> list[dict[str, Any]]:
    """BM25 hits for ``query`` among past indicators (``kind="indicator"``) or project goals."""
    return load_index(index).search(query, kind=kind, top=top)  # checks the kind before the query


HEADERS = {
    "score": "得分",
    "indicator": "指标",
    "level2": "二级指标",
    "target": "指标值",
    "project": "项目",
    "source": "来源",
    "goal": "绩效目标",
    "indicators": "指标数",
    "year": "年度",
    "org": "单位",
    "department": "科室",
}


def search_columns(
    kind: str, fmt: str, library: bool = False
) -> tuple[list[str] | None, dict[str, str] | None]:
    """Columns (and Chinese headers for the terminal table) of search hits in each format.

    ``library``: hits of :class:`~.library.Library`, which also say the year and unit of a row
    in the terminal table (JSONL and CSV carry every key of a hit).
    """
    if fmt == "table":
        if kind == "indicator" and library:
            return ["score", "indicator", "level2", "target", "project", "year", "org", "source"], HEADERS
        cols = (
            ["score", "indicator", "level2", "target", "project", "source"]
            if kind == "indicator"
            else ["score", "project", "goal", "source"]
        )
        return cols, HEADERS
    if kind == "indicator" and library:
        return None, None  # every key of the hit (write_rows takes the first row's keys)
    if kind == "indicator":
        return ["score", *INDICATOR_KEYS], None
    return ["score", *GOAL_KEYS], None
