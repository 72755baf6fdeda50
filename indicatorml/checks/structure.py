"""Structure rules: a label missing, unknown, contradicting its code, or under the wrong level 1."""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Indicator, Table
from ..taxonomy import COST_CODES, by_code, code_conflict, code_label, parent
from .finding import Finding, excerpt, make_finding

__all__ = ["structure_findings"]


def structure_findings(table: Table, rows: Sequence[tuple[int, Indicator, str | None]]) -> list[Finding]:
    """Findings about the labels themselves, row by row, then across the table (a layout mix).

    ``rows`` are ``(index, record, project)`` in reading order, as :func:`.run.check_table` passes them.
    """
    out: list[Finding] = []
    f = table.path
    for i, rec, proj in rows:
        if rec.level2_code is None:
            if (rec.level2_raw or "").strip():
                out.append(
                    make_finding(
                        "structure.unknown-label",
                        f"二级指标「{excerpt(rec.level2_raw)}」不是已知类别;改成标准名称,如「11-数量指标」「22-社会效益指标」",
                        i,
                        rec,
                        proj,
                        f,
                        "level2",
                    )
                )
            else:
                out.append(
                    make_finding(
                        "structure.missing-label",
                        "没有二级指标;填写二级指标(如「11-数量指标」)",
                        i,
                        rec,
                        proj,
                        f,
                        "level2",
                    )
                )
        elif rec.level1_code is None and (rec.level1_raw or "").strip():
            out.append(
                make_finding(
                    "structure.unknown-label",
                    f"一级指标「{excerpt(rec.level1_raw)}」不是已知类别;改成「1-产出指标」「2-效益指标」「3-满意度指标」等",
                    i,
                    rec,
                    proj,
                    f,
                    "level1",
                )
            )
        for field, raw in (("level1", rec.level1_raw), ("level2", rec.level2_raw)):
            conflict = code_conflict(raw or "")
            if conflict:
                written, named = conflict
                out.append(
                    make_finding(
                        "structure.code-name",
                        f"「{excerpt(raw)}」编号{written}是「{code_label(written)}」,名称却是「{by_code(named).name}」;"
                        f"统一编号和名称(如「{code_label(named)}」)",
                        i,
                        rec,
                        proj,
                        f,
                        field,
                    )
                )
        if rec.level1_code and rec.level2_code:
            l1, l2 = rec.level1_code, rec.level2_code
            ok = parent(l2).code == l1 or (l2 == "14" and l1 == "4")  # 成本指标 under level-1 成本 is fine
            if not ok:
                out.append(
                    make_finding(
                        "structure.level-parent",
                        f"二级指标「{code_label(l2)}」不属于一级指标「{code_label(l1)}」,应在「{code_label(parent(l2).code)}」下;"
                        "改一级指标或改二级指标",
                        i,
                        rec,
                        proj,
                        f,
                        "level1",
                    )
                )
    # Layout mix: cost under 产出 (pre-2021) and cost as level 1 (2021) in one table.
    pre = [(i, r, p) for i, r, p in rows if r.level2_code in COST_CODES and r.level1_code == "1"]
    new = [(i, r, p) for i, r, p in rows if r.level1_code == "4"]
    if pre and new:
        minority = pre if len(pre) < len(new) else new
        msg = (
            f"本表成本指标两种写法混用:{len(pre)}条在「1-产出指标」下,{len(new)}条为一级「成本指标」;"
            "按本表采用的版式统一"
        )
        for i, rec, proj in minority:
            out.append(make_finding("structure.layout-mix", msg, i, rec, proj, f, "level1"))
    return out
