"""The seed layout as a table: header, project rows, and writing it back byte for byte.

:mod:`.seed_cell` reads one numbered indicator cell; this module reads the rows
around it (项目名称, amounts in 万元, 绩效目标, 绩效指标; the 合计 and department rows that are
not projects) and renders a table back. Unchanged rows come out as they went in (the raw
lines are kept in ``Table.rows``); a changed record is rewritten in its own punctuation,
kept in ``Indicator.origin.seed`` (:class:`~indicatorml.records.SeedItem`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

from ..records import Indicator, Problem, Project, SeedItem, Table
from ..taxonomy import UnknownLabel, by_code, parent
from .columns import LEVEL_ZH, canon_header, head_rows, label_category
from .seed_cell import ItemParse, parse_indicator_cell, render_item, strip_p

__all__ = [
    "SEED_HEADER",
    "find_seed_header",
    "read_seed",
    "render_seed",
    "seed_indicator_string",
    "expand_numbered",
    "NUMBERED",
    "parse_amount",
    "format_amount",
]

SEED_HEADER = [
    "项目名称（资金使用单位）",
    "总计",
    "财政拨款",
    "财政专户拨款",
    "其他资金",
    "绩效目标",
    "绩效指标",
]


def find_seed_header(lines: Sequence[str]) -> int | None:
    """A tab-separated header with 项目名称, 绩效目标 and 绩效指标 and no per-row indicator column."""
    for i, line in head_rows(lines, lambda ln: not ln.strip()):
        if "\t" not in line:
            continue
        canon = [canon_header(c) for c in line.split("\t")]
        if "绩效指标" in canon and "绩效目标" in canon and any(c.startswith("项目名称") for c in canon):
            if not any(c in ("三级指标", "指标名称", "指标", "三级指标名称") for c in canon):
                return i
    return None


def parse_amount(text: str) -> float | None:
    """``2,220.00`` → 2220.0; empty → None; ValueError for anything that is not a number."""
    s, _ = strip_p(text)
    s = s.replace(",", "").replace("，", "").replace(" ", "")
    if not s:
        return None
    return float(s)


def format_amount(value: float | None) -> str:
    """The seed's amount spelling: thousands separators, two decimals (万元)."""
    return "" if value is None else f"{value:,.2f}"


def _seed_columns(header: Sequence[str]) -> tuple[int, int, int, list[int]]:
    canon = [canon_header(c) for c in header]
    i_name = next(i for i, c in enumerate(canon) if c.startswith("项目名称"))
    i_goal = canon.index("绩效目标")
    i_ind = canon.index("绩效指标")
    amounts = [i for i in range(len(header)) if i not in (i_name, i_goal, i_ind)]
    return i_name, i_goal, i_ind, amounts


def read_seed(lines: list[str], h: int, table: Table) -> None:
    p = table.path
    header = lines[h].split("\t")
    table.preamble = lines[:h]
    table.columns = header
    table.rows = [ln.split("\t") for ln in lines[h + 1 :]]
    i_name, i_goal, i_ind, amount_cols = _seed_columns(header)

    def problem(line: int, reason: str) -> None:
        table.problems.append(Problem(p, line, reason))

    parsed = {
        k: parse_indicator_cell(strip_p(cells[i_ind])[0])
        for k, cells in enumerate(table.rows)
        if len(cells) == len(header) and strip_p(cells[i_ind])[0]
    }
    labeled = any(_labeled(c.items) for c in parsed.values())
    for k, cells in enumerate(table.rows):
        lineno = h + 2 + k
        if not "".join(cells).strip():
            continue
        if len(cells) != len(header):
            problem(lineno, f"这一行有{len(cells)}个字段,表头有{len(header)}个;这一行未读取")
            continue
        name, _ = strip_p(cells[i_name])
        goal = strip_p(cells[i_goal])[0] or None
        ind_text, _ = strip_p(cells[i_ind])
        if re.match(r"^(合计|总计|小计)", name) and not ind_text:
            continue  # the total row
        if not goal and not ind_text:
            continue  # a department (or other summary) row: not a project
        amounts: dict[str, float | None] = {}
        for j in amount_cols:
            try:
                amounts[header[j]] = parse_amount(cells[j])
            except ValueError:
                amounts[header[j]] = None
                problem(lineno, f"金额「{header[j]}」不是数字:「{cells[j].strip()}」")
        where = f"{p}:{lineno}"
        project = Project(name=name, goal=goal, amounts=amounts, source=where)
        table.projects.append(project)
        if not name:
            problem(lineno, "这一行没有项目名称")
        if not ind_text:
            problem(lineno, "项目有绩效目标,没有绩效指标(绩效指标为空)")
            continue
        cell = parsed[k]
        for reason in cell.problems:
            problem(lineno, reason)
        for item in cell.items:
            rec = Indicator(
                indicator=item.name,
                target=item.target,
                period_target=item.period,
                level1_raw=item.level1 or None,
                level2_raw=item.level2 or None,
                project=name or None,
                goal=goal,
                source=where,
            )
            _set_codes(rec, item, labeled, partial(problem, lineno))
            if item.problem:
                problem(lineno, item.problem)
            rec.origin.seed = SeedItem(item.span, item.number, item.style, _seed_fields(rec))
            project.indicator_rows.append(len(table.records))
            table.records.append(rec)


def _labeled(items: Sequence[ItemParse]) -> bool:
    """Whether any item carries two labels that name categories. In a table (or cell) where one
    does, an item without a label field most likely lost it to damage, so that is reported; a
    draft, where none does (a damaged item's stray fields do not count), reads without complaint."""
    return any(i.level1 and i.level2 and _known(i.level1, 1) and _known(i.level2, 2) for i in items)


def _known(label: str, level: int) -> bool:
    try:
        label_category(label, level)
        return True
    except UnknownLabel:
        return False


def _set_codes(rec: Indicator, item: ItemParse, labeled: bool, report: Callable[[str], None]) -> None:
    """Codes and standard names from the raw labels; an unknown label is reported (with the
    item's number; the problem itself carries file and line), not guessed. A missing label is
    reported when the field is there but empty, or when other items are fully labeled;
    with only a level-2 label, level 1 follows from it (as in flat tables)."""
    for level, raw, field in ((1, rec.level1_raw, item.level1), (2, rec.level2_raw, item.level2)):
        if not raw:
            if field is not None or labeled:
                report(f"第{item.number}条指标:没有{LEVEL_ZH[level]}级指标")
            continue
        try:
            cat = label_category(raw, level)
        except UnknownLabel:
            report(f"第{item.number}条指标:{LEVEL_ZH[level]}级指标「{raw}」不是已知类别")
            continue
        if level == 1:
            rec.level1_code, rec.level1 = cat.code, cat.name
        else:
            rec.level2_code, rec.level2 = cat.code, cat.name
    if item.level1 is None and rec.level1_code is None and rec.level2_code is not None:
        cat1 = parent(rec.level2_code)
        rec.level1_code, rec.level1 = cat1.code, cat1.name


def _seed_fields(rec: Indicator) -> tuple[str | None, ...]:
    """What an item was read as; an item whose fields still equal this is written unchanged."""
    return (
        rec.level1_raw,
        rec.level2_raw,
        rec.indicator,
        rec.period_target,
        rec.target,
        rec.level1_code,
        rec.level2_code,
    )


def _label_for(raw: str | None, code: str | None, level: int) -> str:
    """The label to write: the raw spelling if it still means ``code``, else ``code-名称``."""
    if code is None:
        return raw or ""
    if raw:
        try:
            norm = label_category(raw, level)
            if norm.code == code:
                return raw
        except UnknownLabel:
            pass
    return by_code(code).label


def _render_record(rec: Indicator, number: int, style: dict[str, str] | None = None) -> str:
    """A label with nothing to write is left out (a draft's item), unless the item was read
    with an empty field there (written back as it was)."""
    st = style or {}
    labels = [_label_for(rec.level1_raw, rec.level1_code, 1), _label_for(rec.level2_raw, rec.level2_code, 2)]
    l1, l2 = (text if text or st.get(f"keep_l{k}") else None for k, text in enumerate(labels, start=1))
    return render_item(number, l1, l2, rec.indicator, rec.period_target, rec.target, style)


def seed_indicator_string(records: Sequence[Indicator]) -> str:
    """Records → the seed's numbered indicator cell (``1、1-产出指标；11-数量指标；…。2、…``).

    Raw label spellings are used where they still mean the record's code, else ``code-名称``;
    punctuation follows each record's own (from the seed) or the seed's most common style.
    """
    return "".join(
        _render_record(r, k + 1, r.origin.seed.style if r.origin.seed else None)
        for k, r in enumerate(records)
    )


def _replace_inner(raw_cell: str, new_inner: str) -> str:
    """Put new text inside a cell, keeping its ``<p>…</p>`` wrapper and surrounding spaces."""
    inner, wrapped = strip_p(raw_cell)
    if inner and inner in raw_cell:
        off = raw_cell.index(inner)
        return raw_cell[:off] + new_inner + raw_cell[off + len(inner) :]
    return f"<p>{new_inner}</p>" if wrapped else new_inner


def _render_indicator_cell(raw_cell: str, recs: Sequence[Indicator]) -> str:
    inner, _ = strip_p(raw_cell)
    metas = [r.origin.seed for r in recs]
    changed = [m is None or m.read_as != _seed_fields(r) for r, m in zip(recs, metas, strict=True)]
    if not any(changed):
        return raw_cell
    items = [(rec, meta, ch) for rec, meta, ch in zip(recs, metas, changed, strict=True) if meta is not None]
    if len(items) < len(recs):
        return _replace_inner(raw_cell, seed_indicator_string(recs))
    new = inner
    for rec, meta, ch in sorted(items, key=lambda t: -t[1].span[0]):
        if ch:
            s, e = meta.span
            new = new[:s] + _render_record(rec, meta.number, meta.style) + new[e:]
    return _replace_inner(raw_cell, new)


def render_seed(table: Table) -> str:
    """The whole file in the seed layout. A seed table read and not changed comes out byte-equal
    (for UTF-8 input with LF line ends)."""
    if table.kind != "seed":
        return _render_seed_from_records(table.records)
    lines = list(table.preamble) + ["\t".join(table.columns)] + ["\t".join(r) for r in table.rows]
    i_name, i_goal, i_ind, amount_cols = _seed_columns(table.columns)
    for proj in table.projects:
        idx = int(proj.source.rsplit(":", 1)[1]) - 1
        cells = lines[idx].split("\t")
        if strip_p(cells[i_name])[0] != proj.name:
            cells[i_name] = _replace_inner(cells[i_name], proj.name)
        if (strip_p(cells[i_goal])[0] or None) != proj.goal:
            cells[i_goal] = _replace_inner(cells[i_goal], proj.goal or "")
        for j in amount_cols:
            col = table.columns[j]
            try:
                old = parse_amount(cells[j])
            except ValueError:
                old = None
            if col in proj.amounts and proj.amounts[col] != old:
                cells[j] = _replace_inner(cells[j], format_amount(proj.amounts[col]))
        recs = [table.records[i] for i in proj.indicator_rows]
        if recs:
            cells[i_ind] = _render_indicator_cell(cells[i_ind], recs)
        lines[idx] = "\t".join(cells)
    return "\n".join(lines)


def _render_seed_from_records(records: Sequence[Indicator]) -> str:
    groups: dict[tuple[str, str], list[Indicator]] = {}
    for r in records:
        groups.setdefault((r.project or "", r.goal or ""), []).append(r)
    lines = ["\t".join(SEED_HEADER)]
    for (name, goal), recs in groups.items():
        lines.append("\t".join([name, "", "", "", "", goal, seed_indicator_string(recs)]))
    return "\n".join(lines) + "\n"


NUMBERED = re.compile(r"^\s*1\s*、.*指标值", re.S)


def expand_numbered(rec: Indicator, report: Callable[[str], None]) -> list[Indicator]:
    """A flat cell holding a numbered indicator string (the seed's 绩效指标 in a spreadsheet):
    one record per item, sharing the row's project, goal, url and other columns."""
    cell = parse_indicator_cell(rec.indicator)
    for reason in cell.problems:
        report(reason)
    labeled = _labeled(cell.items)
    out = []
    for item in cell.items:
        new = Indicator(
            indicator=item.name,
            target=item.target,
            period_target=item.period,
            level1_raw=item.level1 or None,
            level2_raw=item.level2 or None,
            project=rec.project,
            goal=rec.goal,
            source=rec.source,
            url=rec.url,
            extra=dict(rec.extra),
            origin=replace(rec.origin, cells=dict(rec.origin.cells)),
        )
        _set_codes(new, item, labeled, report)
        if item.problem:
            report(item.problem)
        out.append(new)
    return out
