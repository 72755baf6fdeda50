"""A reviewer's decision as the review workbook writes it: what she decided, on what, who and when.

Why a plain dataclass here and not the store's row: the workbook writer (``checks``) sits below
the store-backed review pipeline and must not depend on how decisions are kept. The pipeline
maps each current decision onto a :class:`Decision` — the finding it is on as an index into
the findings it hands the writer (or the indicator row as an index into ``table.records``) —
and the writer puts it in the 审核意见 column and as a line of the cell's 批注.

Kinds (the issue's words): ``accept`` 采纳建议, ``keep`` 保持原类别, ``set`` 改为 X
(``level2_code`` says X).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..taxonomy import code_label

__all__ = ["Decision", "DECISION_ZH", "decision_line"]

DECISION_ZH = {"accept": "采纳建议", "keep": "保持原类别", "set": "改为"}


@dataclass(frozen=True)
class Decision:
    """One current decision of the reviewer.

    * ``decision`` — ``accept`` | ``keep`` | ``set``;
    * ``finding`` — the finding it is on: its index in the findings given to the writer with it;
      or ``row`` — the indicator row (index into ``table.records``) for a decision on a row
      without a finding. One of the two; with both, ``finding`` places it;
    * ``level2_code`` — for ``set``: the category chosen (``13`` or ``13-时效指标``);
    * ``comment`` — the reviewer's own words (审核意见), free text;
    * ``user``, ``at`` — who decided and when (a datetime, or text as stored).

    Several decisions on one finding or row: the last one given is the current one (the store
    keeps them in the order they were made).
    """

    decision: str
    finding: int | None = None
    row: int | None = None
    level2_code: str | None = None
    comment: str | None = None
    user: str | None = None
    at: dt.datetime | str | None = None

    def __post_init__(self) -> None:
        if self.decision not in DECISION_ZH:
            raise ValueError(f"decision must be one of {', '.join(DECISION_ZH)}, not {self.decision!r}")
        if self.decision == "set" and not self.level2_code:
            raise ValueError("a 'set' decision names the category it sets (level2_code)")
        if self.finding is None and self.row is None:
            raise ValueError("a decision is on a finding or on a row")


def _when(at: dt.datetime | str | None) -> str:
    """``2024-06-01 10:30`` in the time's own zone (``UTC`` said where it is UTC)."""
    if at is None:
        return ""
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at.strip())
        except ValueError:
            return str(at).strip()
    text = at.strftime("%Y-%m-%d %H:%M")
    if at.tzinfo is not None and at.utcoffset() == dt.timedelta(0):
        text += " UTC"
    return text


def decision_line(d: Decision, suggested: str | None = None, given: str | None = None) -> str:
    """The decision in words: ``采纳建议(11-数量指标): 已核实 —— 张三 2024-06-01 10:30``
    (the punctuation of the findings' own messages).

    ``suggested`` is the category the decision's finding (or row) suggests, ``given`` the
    row's own category: they say what was accepted or kept.
    """
    if d.decision == "set":
        what = f"改为 {code_label(d.level2_code) or d.level2_code}"
    else:
        category = suggested if d.decision == "accept" else given
        label = code_label(category) if category else None
        what = DECISION_ZH[d.decision] + (f"({label})" if label else "")
    if d.comment and d.comment.strip():
        what += f": {d.comment.strip()}"
    by = " ".join(x for x in ((d.user or "").strip(), _when(d.at)) if x)
    return what + (f" —— {by}" if by else "")
