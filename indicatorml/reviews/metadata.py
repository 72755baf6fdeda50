"""What a file says about itself: its budget year and its department (主管部门), best effort.

Why: a stored review is found again by year and department, and last year's table is matched
to this year's on them (issue 17). The reviewer may give both on upload; otherwise the table
says them. The year: the file's own name, else a title row (「（2025年度）」, ``Table.titles``,
or a flat table's lines above its header), else a sheet's name — the first of these that
names a year written as 「2025年」/「2025年度」 decides: one year is the year, two different
years there (「2024年与2025年对比.xlsx」) are no answer. The name comes first because the
reviewer chose it; a form's printed title may be last year's template. The department: the header
block's 主管部门 (``extra["org"]``, the most frequent among the file's indicators), else a title
line 「部门名称：…」 / 「主管部门：…」 (the seed layout says it only there). Nothing is guessed from
goals or targets: 「2027年前完成」 is a deadline, not the budget year. A review's year and org are
those given, else the ones its files agree on most.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from ..records import Table

__all__ = ["file_year", "file_org", "common", "title_lines"]

_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")
_ORG_LINE = re.compile(
    r"^\s*(?:主管部门|部门名称|预算部门|预算单位|单位名称|填报单位)\s*[:：]\s*([^\t,，]{2,60})"
)


def title_lines(table: Table) -> list[str]:
    """The table's own words above its indicators: the title rows of a form; for a table that
    has none (a flat table, the seed layout), the lines above its header (cells of a CSV line
    split on tabs and commas). A form's preamble is not used: it holds its header block, whose
    project names and goals carry other years (「2018年市级专项扶贫资金」)."""
    out = [t for t in table.titles if t.strip()]
    if out:
        return out
    for line in table.preamble:
        cells = [c.strip() for c in re.split(r"[\t,]", line) if c.strip()]
        if cells:
            out.append(" ".join(cells))
    return out


def file_year(name: str, table: Table) -> int | None:
    """The year the file's name, else its titles, else a sheet's name write as 「2025年(度)」;
    None if none does, or if the first that names years names two."""
    for texts in ([name], title_lines(table), [g.name for g in table.sheets]):
        years = {int(m.group(1)) for text in texts for m in _YEAR.finditer(text)}
        if len(years) == 1:
            return years.pop()
        if years:
            return None
    return None


def file_org(table: Table) -> str | None:
    """The 主管部门 the file's header blocks give most often, else the one a title line names;
    None if neither does."""
    orgs = Counter(
        str(r.extra["org"]).strip() for r in table.records if str(r.extra.get("org") or "").strip()
    )
    if orgs:
        return orgs.most_common(1)[0][0]
    for line in title_lines(table):
        m = _ORG_LINE.match(line)
        if m:
            return m.group(1).strip()
    return None


def common(values: Iterable[str | int | None], given: str | int | None = None) -> str | int | None:
    """``given`` if given; else the value most files share (the first file's on a tie), None if
    no file has one."""
    if given is not None:
        return given
    seen: Sequence[str | int] = [v for v in values if v is not None]
    if not seen:
        return None
    counts = Counter(seen)
    top = max(counts.values())
    return next(v for v in seen if counts[v] == top)
