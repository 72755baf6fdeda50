"""Structure rules: a label missing, unknown, contradicting its code, or under the wrong level 1;
two cost layouts in one table."""

from __future__ import annotations

from collections.abc import Iterator

from ...taxonomy import COST_CODES, by_code, code_conflict, code_label, parent
from ..context import TableContext
from ..finding import Finding, Rule, excerpt
from ..sources import CORE_2021, TARGETS_2015, cite

__all__ = ["RULES", "structure_findings"]

_LABELS = cite(TARGETS_2015, "绩效指标按一级、二级、三级指标逐级细化")
MISSING = Rule(
    "structure.missing-label",
    "structure",
    "error",
    "缺二级指标",
    "没有填写二级指标(类别)",
    _LABELS,
    "表格把二级指标写在合并单元格或另一行时,读取可能没有对上",
)
UNKNOWN = Rule(
    "structure.unknown-label",
    "structure",
    "error",
    "类别名称不规范",
    "一级或二级指标不是已知类别",
    _LABELS,
    "本单位自定的类别名称(如「工作指标」)不在标准类别表中",
)
CODE_NAME = Rule(
    "structure.code-name",
    "structure",
    "error",
    "编号与名称不符",
    "类别的编号和名称互相矛盾(如 11-质量指标)",
    _LABELS,
)
LEVEL_PARENT = Rule(
    "structure.level-parent",
    "structure",
    "error",
    "二级指标不在其一级下",
    "二级指标不属于所填的一级指标",
    _LABELS,
)
LAYOUT_MIX = Rule(
    "structure.layout-mix",
    "structure",
    "warning",
    "成本指标两种写法混用",
    "同一张表里成本指标既在产出指标下,又作为一级成本指标",
    cite(CORE_2021, "成本指标单列为一级指标(经济成本、社会成本、生态环境成本)"),
    "汇总了新旧两个年度的表,本就两种写法",
)
RULES = (MISSING, UNKNOWN, CODE_NAME, LEVEL_PARENT, LAYOUT_MIX)


def structure_findings(ctx: TableContext) -> Iterator[Finding]:
    """Findings about the labels themselves, row by row, then across the table (a layout mix)."""
    for i, rec in ctx.rows:
        if rec.level2_code is None:
            if (rec.level2_raw or "").strip():
                yield ctx.at_row(
                    UNKNOWN,
                    i,
                    rec,
                    f"二级指标「{excerpt(rec.level2_raw)}」不是已知类别;"
                    "改成标准名称,如「11-数量指标」「22-社会效益指标」",
                    "level2",
                )
            else:
                yield ctx.at_row(MISSING, i, rec, "没有二级指标;填写二级指标(如「11-数量指标」)", "level2")
        elif rec.level1_code is None and (rec.level1_raw or "").strip():
            yield ctx.at_row(
                UNKNOWN,
                i,
                rec,
                f"一级指标「{excerpt(rec.level1_raw)}」不是已知类别;"
                "改成「1-产出指标」「2-效益指标」「3-满意度指标」等",
                "level1",
            )
        for field, raw in (("level1", rec.level1_raw), ("level2", rec.level2_raw)):
            conflict = code_conflict(raw or "")
            if conflict:
                written, named = conflict
                yield ctx.at_row(
                    CODE_NAME,
                    i,
                    rec,
                    f"「{excerpt(raw)}」编号{written}是「{code_label(written)}」,"
                    f"名称却是「{by_code(named).name}」;统一编号和名称(如「{code_label(named)}」)",
                    field,
                )
        if rec.level1_code and rec.level2_code:
            l1, l2 = rec.level1_code, rec.level2_code
            ok = parent(l2).code == l1 or (l2 == "14" and l1 == "4")  # 成本指标 under level-1 成本 is fine
            if not ok:
                yield ctx.at_row(
                    LEVEL_PARENT,
                    i,
                    rec,
                    f"二级指标「{code_label(l2)}」不属于一级指标「{code_label(l1)}」,"
                    f"应在「{code_label(parent(l2).code)}」下;改一级指标或改二级指标",
                    "level1",
                )
    # Layout mix: cost under 产出 (pre-2021) and cost as level 1 (2021) in one table.
    pre = [(i, r) for i, r in ctx.rows if r.level2_code in COST_CODES and r.level1_code == "1"]
    new = [(i, r) for i, r in ctx.rows if r.level1_code == "4"]
    if pre and new:
        minority = pre if len(pre) < len(new) else new
        msg = (
            f"本表成本指标两种写法混用:{len(pre)}条在「1-产出指标」下,{len(new)}条为一级「成本指标」;"
            "按本表采用的版式统一"
        )
        for i, rec in minority:
            yield ctx.at_row(LAYOUT_MIX, i, rec, msg, "level1")
