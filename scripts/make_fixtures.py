"""Build realistic 绩效目标申报表 / 自评表 workbooks and documents from the corpus rows.

    .venv/bin/python scripts/make_fixtures.py [OUT_DIR]      # default tests/fixtures/workbooks
    .venv/bin/python scripts/make_fixtures.py --check [DIR]  # read them back: rows in = rows out

Every file is built from rows of data/corpus/public_indicators.tsv with a seeded RNG (the same
files every run, bar the PDF's timestamps) and listed in OUT_DIR/manifest.json with the records
it must read to — (sheet, project, goal, indicator, target, period_target, level1, level2) — and
the problems it must report. Kinds: form sheets, multi-sheet with a 填表说明 sheet, several forms
in one sheet, the 2021 layout (成本指标 first), 自评表, direction/unit columns, period and annual
targets, a block printed twice, a flat table, .xls, .docx (header block in the table / in the
paragraphs above; several tables), a text PDF (LibreOffice converts a .docx; kept as it is when
LibreOffice is missing), an image-only PDF, and damaged files.

The builders (``Form``, ``render_sheet``, ``write_xlsx``, ``write_docx`` …) are used by the
property test too (tests/test_workbook_read.py), which builds random forms in memory.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXED_TIME = datetime.datetime(2024, 6, 1, 9, 0, 0)
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus" / "public_indicators.tsv"
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "workbooks"

L1_ORDER = {"成本指标": 0, "产出指标": 1, "效益指标": 2, "满意度指标": 3}
ORGS = [
    "广州市天河区商务和金融工作局",
    "某市教育局",
    "某县农业农村局",
    "某区卫生健康局",
    "某市文化广电旅游局",
]
DIRECTION = re.compile(r"^(≥|≤|=|>|<|＞|＜)(\d+(?:\.\d+)?)([^\d.].*)?$")


def corpus_rows() -> list[dict[str, str]]:
    with open(CORPUS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def normalized(row: dict[str, str]) -> tuple[str, str]:
    from indicatorml.taxonomy import normalize_label, normalize_level1

    return normalize_level1(row["level1"]).name, normalize_label(row["level2_raw"]).name


def pages(rows: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Corpus rows grouped by source page, in file order."""
    out: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        out.setdefault(r["url"], []).append(r)
    return list(out.values())


# ---------------------------------------------------------------- one form (one project)
@dataclass
class Form:
    project: str
    org: str
    goal: str
    rows: list[dict[str, str]]  # corpus rows
    amount: str = "100.00"
    selfeval: bool = False
    actual_goal: str = ""
    # options
    title: bool = True
    label_style: int = 0  # 0 plain, 1 （必填）, 2 trailing colon, 3 line break inside
    block: str = "table"  # "table": header block rows in the grid; "above": paragraphs above (docx); "none"
    goal_style: int = (
        0  # 0 label | value; 1 label row, value row; 2 (自评表) 年度总体目标 | 预期目标 | 实际完成情况
    )
    label_col: bool = False  # a 绩效指标 label column merged down the left of the indicator table
    merge_levels: bool = True
    score_suffix: bool = False
    direction_unit: bool = False
    period: bool = False  # 实施周期指标值 and 年度指标值 under a two-row 指标值 header
    col_order: list[str] | None = None
    blank_rows: list[int] = field(default_factory=list)  # indicator indexes before which a blank row goes
    slots: bool = False  # an empty template row after each level-2 group
    signature: bool = False
    notes: bool = False
    total: bool = False
    twice: bool = False  # the block printed twice: 中长期 then 年度
    flat_project: bool = False  # a flat table: project column merged, no block

    def expected(self, sheet: str) -> list[dict[str, Any]]:
        out = []
        parts = [("long", self.rows), ("annual", self.rows)] if self.twice else [("annual", self.rows)]
        for part, rows in parts:
            for r in rows:
                l1, l2 = normalized(r)
                target = r["target"] or None
                period = None
                if self.period:
                    period = _period(r)
                if self.twice and part == "long":
                    period, target = target, None
                goal = self.goal if part == "annual" or not self.twice else self.long_goal
                out.append(
                    {
                        "sheet": sheet,
                        "project": self.project,
                        "goal": goal if not self.flat_project else None,
                        "indicator": r["indicator"],
                        "target": target,
                        "period_target": period,
                        "level1": l1,
                        "level2": l2,
                    }
                )
        return out

    @property
    def long_goal(self) -> str:
        return "到实施期末，" + self.goal


def _period(r: dict[str, str]) -> str | None:
    return ("实施期内" + r["target"]) if r["target"] else None


def make_form(rng: random.Random, rows: list[dict[str, str]], n: int, **opts: Any) -> Form:
    """A form of the rows' first ``n`` (in level order, 成本指标 first as in the 2021 layout)."""
    rows = sorted(rows[:n], key=lambda r: L1_ORDER.get(r["level1"], 9))
    project = next((r["project"] for r in rows if r["project"]), "") or f"专项工作经费{rng.randint(1, 999)}"
    org = next((r["org"] for r in rows if r["org"]), "") or rng.choice(ORGS)
    inds = "、".join(r["indicator"] for r in rows[:2])
    goal = f"年内完成{project}各项任务，{inds}达到预期，服务对象满意。"
    f = Form(
        project=project,
        org=org,
        goal=goal,
        rows=rows,
        amount=f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}",
    )
    for k, v in opts.items():
        setattr(f, k, v)
    if f.selfeval:
        f.actual_goal = "已按计划完成年度任务。"
    return f


# ---------------------------------------------------------------- a form as rows of cells + merges
@dataclass
class Drawn:
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]]  # 0-based, inclusive
    above: list[str] = field(default_factory=list)  # docx: paragraphs above the table
    marks: dict[str, list[int]] = field(default_factory=dict)  # name → row indexes (0-based) of special rows


def _label(text: str, style: int) -> str:
    if style == 1:
        return text + "（必填）"
    if style == 2:
        return text + "："
    if style == 3 and len(text) >= 4:
        return text[:2] + "\n" + text[2:]
    return text


def _columns(f: Form) -> list[str]:
    cols = ["level1", "level2", "indicator"]
    if f.period:
        cols += ["period_target", "target"]
    elif f.direction_unit:
        cols += ["direction", "target", "unit"]
    else:
        cols += ["target"]
    if f.selfeval:
        cols += ["actual", "weight", "score", "deviation"]
    if f.flat_project:
        cols = ["project"] + cols
    if f.col_order:
        cols = [c for c in f.col_order if c in cols] + [c for c in cols if c not in f.col_order]
        if "period_target" in cols:  # 指标值 spans both value columns: keep them side by side
            cols.remove("period_target")
            cols.insert(cols.index("target"), "period_target")
    if f.label_col:
        cols = ["label"] + cols
    return cols


HEAD = {
    "level1": "一级指标",
    "level2": "二级指标",
    "indicator": "三级指标",
    "target": "指标值",
    "period_target": "实施周期指标值",
    "direction": "指标方向",
    "unit": "计量单位",
    "actual": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "deviation": "偏差原因分析及改进措施",
    "project": "项目名称",
    "label": "绩效指标",
}


def draw(f: Form, width: int | None = None) -> Drawn:
    cols = _columns(f)
    w = max(width or 0, len(cols), 4)
    rows: list[list[str]] = []
    merges: list[tuple[int, int, int, int]] = []
    above: list[str] = []
    marks: dict[str, list[int]] = {}

    def add(cells: list[str]) -> int:
        rows.append(cells + [""] * (w - len(cells)))
        return len(rows) - 1

    def across(text: str, c0: int = 0) -> int:
        r = add([""] * c0 + [text])
        if w - 1 > c0:
            merges.append((r, c0, r, w - 1))
        return r

    ls = f.label_style
    if f.block == "table" and not f.flat_project:
        if f.title:
            across("项目支出绩效自评表" if f.selfeval else "项目支出绩效目标申报表")
            across("（2024年度）")
        r = add([_label("项目名称", ls), f.project])
        merges.append((r, 1, r, w - 1))
        half = max(2, w // 2)
        r = add([_label("主管部门", ls), f.org] + [""] * (half - 2) + [_label("实施单位", ls), f.org])
        if half - 1 > 1:
            merges.append((r, 1, r, half - 1))
        if w - 1 > half + 1:
            merges.append((r, half + 1, r, w - 1))
        r0 = add([_label("项目资金（万元）", ls), "年度资金总额", f.amount])
        add(["", "其中：财政拨款", f.amount])
        r1 = add(["", "其他资金", "0"])
        merges.append((r0, 0, r1, 0))
        for r in range(r0, r1 + 1):
            if w - 1 > 2:
                merges.append((r, 2, r, w - 1))
        _goal_rows(f, f.goal if not f.twice else None, add, across, merges, w)
        if f.twice:
            r = add([_label("中长期目标", ls), f.long_goal])
            merges.append((r, 1, r, w - 1))
    elif f.block == "above":
        above = [f"项目名称：{f.project}", f"主管部门：{f.org}", f"年度绩效目标：{f.goal}"]
        if f.twice:
            above = above[:2] + [f"中长期目标：{f.long_goal}"]
    parts = [("long", "period_only"), ("annual", "target")] if f.twice else [("annual", None)]
    for part, _ in parts:
        if f.twice and part == "annual":
            across("年度绩效指标")
            if f.block == "table":
                r = add([_label("年度绩效目标", ls), f.goal])
                merges.append((r, 1, r, w - 1))
            else:
                above.append(f"年度绩效目标：{f.goal}")  # not used by the reader for the 2nd table
        _table(f, cols, w, rows, add, merges, marks, part if f.twice else None)
    if f.signature:
        marks.setdefault("notes", []).append(add(["填表人：", "张三", "联系电话：", "020-12345678"]))
    if f.notes:
        marks.setdefault("notes", []).append(across("注：1.指标值应当可衡量；2.本表一式两份。"))
    return Drawn(rows, merges, above, marks)


def _goal_rows(f: Form, goal: str | None, add, across, merges, w: int) -> None:
    ls = f.label_style
    if goal is None:
        return
    if f.selfeval and f.goal_style == 2 and w >= 3:
        mid = 1 + (w - 1) // 2
        r0 = add([_label("年度总体目标", ls), "预期目标"] + [""] * (mid - 2) + ["实际完成情况"])
        r1 = add(["", goal] + [""] * (mid - 2) + [f.actual_goal])
        merges.append((r0, 0, r1, 0))
        for r in (r0, r1):
            if mid - 1 > 1:
                merges.append((r, 1, r, mid - 1))
            if w - 1 > mid:
                merges.append((r, mid, r, w - 1))
    elif f.goal_style == 1:
        across(_label("年度绩效目标", ls))
        across(goal)
    else:
        r = add([_label("年度总体目标" if f.selfeval else "年度绩效目标", ls), goal])
        merges.append((r, 1, r, w - 1))


def _table(
    f: Form, cols: list[str], w: int, rows: list[list[str]], add, merges, marks, part: str | None
) -> None:
    head = dict(HEAD)
    if f.period or f.selfeval:
        head["target"] = "年度指标值"
    if part == "long":
        head["target"] = "实施周期指标值"
    h0 = add([head[c] for c in cols])
    if f.period and part is None:
        h1 = add(["" if c not in ("period_target", "target") else head[c] for c in cols])
        # Two header rows: 指标值 over both value columns, the others merged down.
        pi, ti = cols.index("period_target"), cols.index("target")
        rows[h0][pi] = "指标值"
        rows[h0][ti] = ""
        merges.append((h0, min(pi, ti), h0, max(pi, ti)))
        for c, name in enumerate(cols):
            if name not in ("period_target", "target"):
                merges.append((h0, c, h1, c))
    first = len(rows)
    level_runs: dict[str, list[tuple[int, int]]] = {"level1": [], "level2": []}
    prev = {"level1": None, "level2": None}
    for k, r in enumerate(f.rows):
        if (
            k in f.blank_rows
            and k > 0
            and (r["level1"], r["level2_raw"]) != (f.rows[k - 1]["level1"], f.rows[k - 1]["level2_raw"])
        ):
            marks.setdefault("blank", []).append(add([""] * w))
            prev = {"level1": None, "level2": None}
        cells = []
        for c in cols:
            cells.append(_cell(f, r, c, k, part))
        i = add(cells)
        for lv in ("level1", "level2"):
            key = (r["level1"], r["level2_raw"]) if lv == "level2" else r["level1"]
            if prev[lv] == key and f.merge_levels:
                level_runs[lv][-1] = (level_runs[lv][-1][0], i)
            else:
                level_runs[lv].append((i, i))
            prev[lv] = key
        last_of_group = k + 1 == len(f.rows) or (f.rows[k + 1]["level1"], f.rows[k + 1]["level2_raw"]) != (
            r["level1"],
            r["level2_raw"],
        )
        if f.slots and last_of_group:
            slot = [cells[j] if c in ("level1", "level2", "label") else "" for j, c in enumerate(cols)]
            i = add(slot)
            marks.setdefault("slot", []).append(i)
            level_runs["level2"][-1] = (level_runs["level2"][-1][0], i)
            level_runs["level1"][-1] = (level_runs["level1"][-1][0], i)
    last = len(rows) - 1
    if f.merge_levels:
        for lv in ("level1", "level2"):
            if lv in cols:
                c = cols.index(lv)
                for a, b in level_runs[lv]:
                    if b > a:
                        _merge_down(rows, merges, a, b, c)
    if f.flat_project and "project" in cols and last > first:
        _merge_down(rows, merges, first, last, cols.index("project"))
    if f.label_col:
        _merge_down(rows, merges, h0, last, 0)
        rows[h0][0] = HEAD["label"]
    if f.total and f.selfeval:
        wi = cols.index("weight")
        total = ["合计"] + [""] * (w - 1)
        total[wi] = "100"
        add(total)


def _merge_down(rows: list[list[str]], merges, a: int, b: int, c: int) -> None:
    """Merge (a..b, c): the cells below the top one are emptied (a merge keeps only its top text)."""
    for r in range(a + 1, b + 1):
        rows[r][c] = ""
    merges.append((a, c, b, c))


def _cell(f: Form, r: dict[str, str], c: str, k: int, part: str | None) -> str:
    target = r["target"]
    if c == "label":
        return ""
    if c == "level1":
        l1 = r["level1"]
        if f.score_suffix:
            l1 += {
                "产出指标": "(50分)",
                "效益指标": "（30分）",
                "满意度指标": "(0-10)分",
                "成本指标": "(10分)",
            }.get(l1, "")
        return l1
    if c == "level2":
        return r["level2_raw"]
    if c == "indicator":
        return r["indicator"]
    if c == "project":
        return f.project
    if c == "target":
        if part == "long":
            return target
        if f.direction_unit:
            m = DIRECTION.match(target)
            return m.group(2) if m else target
        return target
    if c == "period_target":
        return _period(r) or ""
    if c == "direction":
        m = DIRECTION.match(target)
        return m.group(1) if m else ""
    if c == "unit":
        m = DIRECTION.match(target)
        return (m.group(3) or "") if m else ""
    if c == "actual":
        return target or "已完成"
    if c == "weight":
        return str(5 + k % 6)
    if c == "score":
        return str(5 + k % 6)
    if c == "deviation":
        return "无" if k % 3 else ""
    raise KeyError(c)


# ---------------------------------------------------------------- sheets of forms, and writers
@dataclass
class Sheet:
    name: str
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]]
    forms: list[Form] = field(default_factory=list)
    marks: dict[str, list[int]] = field(default_factory=dict)


def render_sheet(name: str, forms: list[Form], gap: int = 2, lead: int = 0) -> Sheet:
    """Forms one below another (``gap`` blank rows between), ``lead`` blank rows first."""
    w = max(len(_columns(f)) for f in forms) if forms else 4
    w = max(w, 4)
    rows: list[list[str]] = [[""] * w for _ in range(lead)]
    merges: list[tuple[int, int, int, int]] = []
    marks: dict[str, list[int]] = {}
    for k, f in enumerate(forms):
        if k:
            rows.extend([[""] * w for _ in range(gap)])
        d = draw(f, w)
        off = len(rows)
        rows.extend(d.rows)
        merges.extend((a + off, b, c + off, e) for a, b, c, e in d.merges)
        for m, idx in d.marks.items():
            marks.setdefault(m, []).extend(i + off for i in idx)
    return Sheet(name, rows, merges, forms, marks)


def notes_sheet() -> Sheet:
    rows = [
        ["填表说明"],
        ["1. 一个项目填一张表，每张表一个工作表。"],
        ["2. 一级、二级指标按财预〔2020〕10号填写。"],
        ["3. 指标值应当可衡量，定性指标写明评价标准。"],
    ]
    return Sheet("填表说明", rows, [])


def write_xlsx(sheets: list[Sheet], path_or_buf: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME  # the same bytes every run, bar zip times
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s.name)
        covered = {
            (r, c)
            for a, b, cc, d in s.merges
            for r in range(a, cc + 1)
            for c in range(b, d + 1)
            if (r, c) != (a, b)
        }
        for r, row in enumerate(s.rows):
            for c, text in enumerate(row):
                if text and (r, c) not in covered:
                    cell = ws.cell(r + 1, c + 1, text)
                    if text.startswith("="):
                        cell.data_type = "s"  # a target such as =100% is text, not a formula
        for a, b, cc, d in s.merges:
            ws.merge_cells(start_row=a + 1, start_column=b + 1, end_row=cc + 1, end_column=d + 1)
    wb.save(path_or_buf)


def write_xls(sheets: list[Sheet], path: Path) -> None:
    import xlwt  # dev extra: only the fixture script writes .xls

    wb = xlwt.Workbook(encoding="utf-8")
    for s in sheets:
        ws = wb.add_sheet(s.name)
        covered = set()
        for a, b, cc, d in s.merges:
            ws.write_merge(a, cc, b, d, s.rows[a][b])
            covered |= {(r, c) for r in range(a, cc + 1) for c in range(b, d + 1)}
        for r, row in enumerate(s.rows):
            for c, text in enumerate(row):
                if text and (r, c) not in covered:
                    ws.write(r, c, text)
    wb.save(str(path))


def write_docx(tables: list[tuple[list[str], Sheet]], path_or_buf: Any, title: str | None = None) -> None:
    """Each (paragraphs above, one-form Sheet) becomes paragraphs and then a Word table."""
    import docx

    doc = docx.Document()
    doc.core_properties.created = doc.core_properties.modified = FIXED_TIME
    if title:
        doc.add_paragraph(title)
    for above, s in tables:
        for p in above:
            doc.add_paragraph(p)
        n_r, n_c = len(s.rows), max(len(r) for r in s.rows)
        t = doc.add_table(rows=n_r, cols=n_c)
        t.style = "Table Grid"
        covered = set()
        for a, b, cc, d in s.merges:
            t.cell(a, b).merge(t.cell(cc, d))
            covered |= {(r, c) for r in range(a, cc + 1) for c in range(b, d + 1) if (r, c) != (a, b)}
        for r, row in enumerate(s.rows):
            for c, text in enumerate(row):
                if text and (r, c) not in covered:
                    t.cell(r, c).text = text
        doc.add_paragraph("")
    doc.save(path_or_buf)


# ---------------------------------------------------------------- the fixture set
def expected_of(sheets: list[Sheet], multi: bool) -> list[dict[str, Any]]:
    out = []
    for s in sheets:
        for f in s.forms:
            for e in f.expected(s.name):
                out.append(e | {"sheet": s.name if multi else None})
    return out


def build(out: Path) -> dict[str, Any]:
    rng = random.Random(20240601)
    rows = corpus_rows()
    pg = [p for p in pages(rows) if len(p) >= 4]
    cost_pages = [p for p in pages(rows) if any(r["level1"] == "成本指标" for r in p)]
    dir_pages = [p for p in pg if sum(bool(DIRECTION.match(r["target"])) for r in p) >= 3]
    it = iter(pg * 3)

    def form(n: int = 8, page: list | None = None, **opts: Any) -> Form:
        return make_form(rng, page if page is not None else next(it), n, **opts)

    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {}

    def xlsx(
        name: str, sheets: list[Sheet], problems: list | None = None, no_table: list | None = None
    ) -> None:
        write_xlsx(sheets, out / name)
        multi = len(sheets) > 1
        manifest[name] = {
            "records": expected_of(sheets, multi),
            "problems": problems or [],
            "no_table": no_table or [],
        }

    # 1. The workbook: three form sheets and a 填表说明 sheet.
    s3 = [render_sheet(f"项目{k + 1}", [form(rng.randint(7, 11))]) for k in range(3)]
    xlsx("申报表_三个项目.xlsx", s3 + [notes_sheet()], no_table=["填表说明"])
    xlsx("申报表_单表.xlsx", [render_sheet("Sheet1", [form(9, label_style=1)])])
    xlsx(
        "申报表_标签带冒号换行.xlsx",
        [
            render_sheet("申报表", [form(8, label_style=3, goal_style=1)]),
            render_sheet("申报表 (2)", [form(6, label_style=2)]),
        ],
    )
    xlsx(
        "2021版_成本指标在前.xlsx",
        [render_sheet(f"成本{k + 1}", [form(len(p), page=p)]) for k, p in enumerate(cost_pages[:2])],
    )
    xlsx(
        "自评表.xlsx",
        [
            render_sheet(
                "自评表",
                [form(9, selfeval=True, goal_style=2, score_suffix=True, total=True, signature=True)],
            )
        ],
    )
    xlsx(
        "自评表_两个项目.xlsx",
        [
            render_sheet(f"自评{k + 1}", [form(7, selfeval=True, goal_style=k * 2, score_suffix=bool(k))])
            for k in range(2)
        ],
    )
    xlsx(
        "方向和单位列.xlsx",
        [render_sheet("目标表", [form(len(p), page=p, direction_unit=True)]) for p in dir_pages[:1]],
    )
    xlsx("实施周期和年度指标值.xlsx", [render_sheet("目标表", [form(8, period=True)])])
    xlsx("中期和年度_两次.xlsx", [render_sheet("目标表", [form(6, twice=True)])])
    xlsx("一页多表.xlsx", [render_sheet("全部项目", [form(5), form(6, goal_style=1), form(4, title=False)])])
    xlsx("左侧标签列.xlsx", [render_sheet("申报表", [form(8, label_col=True, notes=True)])])
    xlsx("一级指标带分值.xlsx", [render_sheet("申报表", [form(9, score_suffix=True)])])
    f_blank = form(10, blank_rows=list(range(10)), slots=True, signature=True, notes=True)
    xlsx("空行和空模板行.xlsx", [render_sheet("申报表", [f_blank], lead=2)])
    xlsx("不合并单元格.xlsx", [render_sheet("申报表", [form(8, merge_levels=False)])])
    xlsx(
        "平表_项目列合并.xlsx",
        [render_sheet("指标", [form(8, flat_project=True, block="none", title=False)])],
    )
    xlsx(
        "多列顺序.xlsx",
        [render_sheet("申报表", [form(7, col_order=["indicator", "target", "level2", "level1"])])],
    )

    # Problems: a value without an indicator, an unknown label, a stray row above the table.
    bad = form(6)
    sb = render_sheet("申报表", [bad])
    hdr = next(i for i, r in enumerate(sb.rows) if r[2] == "三级指标")
    sb.rows.insert(hdr, ["甲", "乙", "丙", "丁"])
    sb.merges = [(a + (a >= hdr), b, c + (c >= hdr), d) for a, b, c, d in sb.merges]
    sb.rows.append(["", "", "", "≥95%"])
    sb.rows.append(["产出指标", "奇怪指标", "新加的指标", "1项"])
    exp = expected_of([sb], False)
    exp.append(
        {
            "sheet": None,
            "project": bad.project,
            "goal": bad.goal,
            "indicator": "新加的指标",
            "target": "1项",
            "period_target": None,
            "level1": "产出指标",
            "level2": None,
        }
    )
    write_xlsx([sb], out / "有问题的行.xlsx")
    n = len(sb.rows)
    manifest["有问题的行.xlsx"] = {
        "records": exp,
        "no_table": [],
        "problems": [
            [None, hdr + 1, "这一行未读取:既不是表头信息(项目名称等),也不在指标表的表头之下"],
            [None, n - 1, "这一行没有指标名称"],
            [None, n, "二级指标「奇怪指标」不是已知类别"],
        ],
    }

    # .xls
    sx = [render_sheet(f"项目{k + 1}", [form(8, score_suffix=bool(k))]) for k in range(2)] + [notes_sheet()]
    write_xls(sx, out / "申报表_两个项目.xls")
    manifest["申报表_两个项目.xls"] = {
        "records": expected_of(sx, True),
        "problems": [],
        "no_table": ["填表说明"],
    }
    sx1 = [render_sheet("自评表", [form(8, selfeval=True, goal_style=2)])]
    write_xls(sx1, out / "自评表.xls")
    manifest["自评表.xls"] = {"records": expected_of(sx1, False), "problems": [], "no_table": []}

    # .docx
    def docx_file(name: str, forms: list[Form], above: bool) -> list[Sheet]:
        tabs = []
        sheets = []
        for k, f in enumerate(forms):
            if above:
                f.block = "above"
            s = render_sheet(f"表{k + 1}", [f])
            d = draw(f, len(s.rows[0]))
            tabs.append((d.above, s))
            sheets.append(s)
        write_docx(tabs, out / name, title="项目支出绩效目标申报表")
        manifest[name] = {"records": expected_of(sheets, len(sheets) > 1), "problems": [], "no_table": []}
        return sheets

    docx_file("申报表_表内表头.docx", [form(8)], above=False)
    docx_file("申报表_三张表.docx", [form(6), form(7, score_suffix=True), form(5, goal_style=1)], above=False)
    docx_file("申报表_表头在段落.docx", [form(7), form(6)], above=True)
    docx_file("自评表.docx", [form(7, selfeval=True, goal_style=2, score_suffix=True)], above=False)
    short = [r for r in rows if len(r["indicator"]) <= 10 and len(r["target"]) <= 8]
    docx_file("_pdf_source.docx", [make_form(rng, short[k:], 6) for k in (0, 60)], above=False)
    _pdf(out, manifest, "申报表_文字版.pdf")
    docx_file("_pdf_source.docx", [make_form(rng, short[120:], 50)], above=False)  # runs on to page 2
    _pdf(out, manifest, "申报表_跨页.pdf")

    # Damaged and foreign files: read to problems, never a traceback.
    good = (out / "申报表_单表.xlsx").read_bytes()
    (out / "损坏_截断.xlsx").write_bytes(good[: len(good) // 2])
    manifest["损坏_截断.xlsx"] = _fail("无法按 Excel 工作簿(.xlsx)读取")
    (out / "改名的文本.xlsx").write_text("这不是表格\n只是几行字\n", encoding="utf-8")
    manifest["改名的文本.xlsx"] = _fail("没有指标名称列")
    import docx

    docx.Document().save(out / "空文档.docx")
    manifest["空文档.docx"] = _fail("文档里没有表格")
    shutil.copy(out / "自评表.xls", out / "WPS表格.et")
    manifest["WPS表格.et"] = _fail("WPS 自有的 .et 格式无法读取")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    (out / "别的压缩包.xlsx").write_bytes(buf.getvalue())
    manifest["别的压缩包.xlsx"] = _fail("压缩文件既不是 Excel 工作簿(.xlsx)也不是 Word 文档(.docx)")
    try:
        from msoffcrypto.format.ooxml import OOXMLFile  # dev extra: a real password-protected workbook

        with open(out / "申报表_单表.xlsx", "rb") as src, open(out / "加密.xlsx", "wb") as dst:
            OOXMLFile(src).encrypt("1234", dst)
    except ImportError:
        print("msoffcrypto-tool not installed: 加密.xlsx kept as it is", file=sys.stderr)
    if (out / "加密.xlsx").exists():
        manifest["加密.xlsx"] = _fail("文件有密码保护")
    _scanned(out / "扫描件.pdf")
    manifest["扫描件.pdf"] = _fail("没有文字层(扫描件)")
    review_writer_files(out, manifest, rows)
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def review_writer_files(out: Path, manifest: dict[str, Any], rows: list[dict[str, str]]) -> None:
    """Issue 15's files: layouts the review workbook writer failed on, and continuation rows.

    Their own RNG, after every other file: adding them changes no other fixture.

    * the classic 财政部 form, 绩效指标 merged down the left of the whole indicator table (一级 and
      二级 merged too) as .docx, .xls and a text PDF — ``check -o`` ended in ``'MergedCell'
      object is not iterable``;
    * a two-row header (指标值 over 实施周期/年度, the other header cells merged down both rows)
      as .docx and .xls — the same crash;
    * 一级/二级 merged in the middle of the table (三级指标 first), and a table whose 指标值
      cells span a column right of the header (a merge where the added columns would go);
    * a GB18030 CSV exported from a merged sheet (项目名称 and 年度绩效目标 only on each
      project's first row) and the same rows as a flat .xlsx with the cells left blank.
    """
    rng = random.Random(20250615)
    pg = [p for p in pages(rows) if len(p) >= 8]

    def form(n: int, **opts: Any) -> Form:
        return make_form(rng, rng.choice(pg), n, **opts)

    def docx_xls(stem: str, f: Form, kinds: tuple[str, ...] = (".docx", ".xls")) -> Sheet:
        s = render_sheet("表1", [f])
        exp = {"records": expected_of([s], False), "problems": [], "no_table": []}
        if ".docx" in kinds:
            write_docx([([], s)], out / f"{stem}.docx")
            manifest[f"{stem}.docx"] = exp
        if ".xls" in kinds:
            write_xls([s], out / f"{stem}.xls")
            manifest[f"{stem}.xls"] = exp
        return s

    labelled = form(9, label_col=True)
    s = docx_xls("申报表_绩效指标列合并", labelled)
    write_docx([([], s)], out / "_pdf_source.docx")
    manifest["_pdf_source.docx"] = {"records": expected_of([s], False), "problems": [], "no_table": []}
    _pdf(out, manifest, "申报表_绩效指标列合并.pdf")
    docx_xls("申报表_两行表头", form(8, period=True))
    docx_xls("申报表_中间列合并", form(8, col_order=["indicator", "level1", "level2", "target"]), (".docx",))
    # 指标值 cells spanning one column more than the header: where the added columns would go.
    wide = form(7)
    d = draw(wide, 5)
    head = next(i for i, r in enumerate(d.rows) if r[2] == "三级指标")
    d.merges += [(r, 3, r, 4) for r in range(head + 1, len(d.rows))]
    sw = Sheet("表1", d.rows, d.merges, [wide])
    write_docx([([], sw)], out / "申报表_指标值跨列.docx")
    manifest["申报表_指标值跨列.docx"] = {"records": expected_of([sw], False), "problems": [], "no_table": []}
    # Continuation rows: the project and its goal on each project's first row only; 效益 and
    # 满意度 indicators on the continuation rows (read as no project, both projects lacked them).
    families = ("产出指标", "效益指标", "满意度指标")
    full = [p for p in pg if set(families) <= {r["level1"] for r in p}]
    projects = []
    for page in rng.sample(full, 2):
        pick: list[dict[str, str]] = []
        for fam, n in zip(families, (3, 2, 1), strict=True):
            pick += [r for r in page if r["level1"] == fam][:n]
        projects.append(make_form(rng, pick, len(pick)))
    table = [["项目名称", "年度绩效目标", "一级指标", "二级指标", "三级指标", "年度指标值"]]
    exp_rows = []
    for f in projects:
        for k, r in enumerate(f.rows):
            l1, l2 = normalized(r)
            first = k == 0
            table.append(
                [
                    f.project if first else "",
                    f.goal if first else "",
                    r["level1"],
                    r["level2_raw"],
                    r["indicator"],
                    r["target"],
                ]
            )
            exp_rows.append(
                {
                    "sheet": None,
                    "project": f.project,
                    "goal": f.goal,
                    "indicator": r["indicator"],
                    "target": r["target"] or None,
                    "period_target": None,
                    "level1": l1,
                    "level2": l2,
                }
            )
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table)
    (out / "续行_项目名称留空.csv").write_bytes(buf.getvalue().encode("gb18030"))
    manifest["续行_项目名称留空.csv"] = {"records": exp_rows, "problems": [], "no_table": []}
    write_xlsx([Sheet("指标", table, [])], out / "平表_项目名称留空.xlsx")
    manifest["平表_项目名称留空.xlsx"] = {"records": exp_rows, "problems": [], "no_table": []}


def _fail(reason: str) -> dict[str, Any]:
    return {"records": [], "problems": [[None, None, reason]], "no_table": [], "prefix": True}


def _pdf(out: Path, manifest: dict[str, Any], name: str) -> None:
    """The .docx as a PDF through LibreOffice (the PDF is committed: tests do not need LibreOffice)."""
    src = out / "_pdf_source.docx"
    dst = out / name
    exp = manifest.pop("_pdf_source.docx")
    soffice = shutil.which("soffice")
    if soffice:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    soffice,
                    "--headless",
                    f"-env:UserInstallation=file://{tmp}/u",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    tmp,
                    str(src),
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
            shutil.copy(Path(tmp) / "_pdf_source.pdf", dst)
    elif not dst.exists():
        print("soffice not found: no text PDF fixture", file=sys.stderr)
    src.unlink()
    if dst.exists():
        manifest[dst.name] = exp | {"any_sheet": True}


def _scanned(path: Path) -> None:
    """An image-only PDF (a scan): no text layer."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 300), "white")
    d = ImageDraw.Draw(img)
    for y in range(20, 300, 40):
        d.rectangle([20, y, 580, y + 30], outline="black")
        d.line([200, y, 200, y + 30], fill="black")
    img.save(path, "PDF", resolution=72.0)


def check(out: Path) -> int:
    """Read every file of the set and compare with the manifest: rows in = rows out, problems."""
    from indicatorml.tables import read_table

    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    keys = ("project", "goal", "indicator", "target", "period_target", "level1", "level2")
    n_in = n_out = bad = 0
    for name, exp in sorted(m.items()):
        t = read_table(out / name)
        got = [tuple(getattr(r, k) for k in keys) for r in t.records]
        want = [tuple(e[k] for k in keys) for e in exp["records"]]
        reasons = [p.reason for p in t.problems]
        ok_p = len(reasons) == len(exp["problems"]) and all(
            g.startswith(w[2]) if exp.get("prefix") else g == w[2]
            for g, w in zip(reasons, exp["problems"], strict=False)
        )
        ok = got == want and ok_p
        bad += not ok
        n_in += len(want)
        n_out += sum(g == w for g, w in zip(got, want, strict=False))
        print(
            f"{'ok ' if ok else 'BAD'} {name}: {len(want)} in, {len(got)} out, {len(reasons)} problem(s)"
            + (f" — {reasons[0]}" if reasons else "")
        )
    print(f"{len(m)} files: {n_in} indicator rows in, {n_out} read back equal; {bad} file(s) differ")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--check":
        return check(Path(args[1]) if len(args) > 1 else DEFAULT_OUT)
    out = Path(args[0]) if args else DEFAULT_OUT
    m = build(out)
    n = sum(len(v["records"]) for v in m.values())
    print(f"{len(m)} files, {n} indicator rows → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
