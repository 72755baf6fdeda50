"""A flat table's continuation rows: a blank project cell under a project's rows is that project's.

Why: a sheet whose 项目名称 (and 年度绩效目标) cells are merged down a project's indicator rows,
saved as CSV/TSV, or unmerged by hand, keeps the name only on the project's first row. Read
row by row, the other rows had no project: the check invented a project "(未标明项目)" out of
them and found both real projects without their 效益 indicators. Each flat reader (CSV/TSV,
and the workbook/document grids read by :mod:`.forms`) passes every record through
:func:`continue_project`, in reading order.

A table whose first rows have no project keeps them without one (there is nothing above them
to belong to), and a row never takes the project of another source page (the corpus's ``url``
column: the last project of one page is no project of the next).
"""

from __future__ import annotations

from ..records import Indicator

__all__ = ["continue_project"]


def continue_project(rec: Indicator, above: Indicator | None) -> Indicator | None:
    """Give ``rec`` the project (and, where its own goal is blank, the goal) of ``above``, the
    last record with a project, when ``rec`` has none and is on the same page. Returns the
    record the next row continues from."""
    if rec.project:
        return rec
    if above is None or (rec.url or None) != (above.url or None):
        return None
    rec.project = above.project
    if not rec.goal:
        rec.goal = above.goal
    return above
