"""What a file says about itself: its budget year and its department (主管部门), best effort.

Why: a stored review is found again by year and department, and last year's table is matched
to this year's on them (issue 17). The reviewer may give both on upload; otherwise the table
says them — the header block's 主管部门 (``extra["org"]``, the most frequent among the file's
indicators) and a year written as 「2025年」/「2025年度」 in the file's own name or a sheet's
name. Nothing is guessed from goals or targets: 「2027年前完成」 is a deadline, not the budget
year. A review's year and org are those given, else the ones its files agree on most.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from ..records import Table

__all__ = ["file_year", "file_org", "common"]

_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")


def file_year(name: str, table: Table) -> int | None:
    """The year the file's name, else a sheet's name, writes as 「2025年(度)」; None if none
    or if they disagree."""
    for texts in ([name], [g.name for g in table.sheets]):
        years = {int(m.group(1)) for text in texts for m in _YEAR.finditer(text)}
        if len(years) == 1:
            return years.pop()
        if years:
            return None
    return None


def file_org(table: Table) -> str | None:
    """The 主管部门 the file's header blocks give most often; None if none gives one."""
    orgs = Counter(
        str(r.extra["org"]).strip() for r in table.records if str(r.extra.get("org") or "").strip()
    )
    return orgs.most_common(1)[0][0] if orgs else None


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
