"""Check a performance table the way a reviewer (绩效目标审核) would, and say what to fix.

Why rules plus a model: most of what is wrong in a table is mechanical (a level 2 under the
wrong level 1, "按要求" as a target, no 效益 indicator) and a rule finds it exactly. Whether an
indicator sits in the right category is a judgement; there the classifier's probabilities
answer, and :class:`LabelRule` decides when they are strong enough to take a reviewer's time
(tuned on held-out pages by ``benchmarks/bench_check.py``).

Every finding names the row (0-based index of the indicator among the file's indicator
records, in reading order; ``None`` for a project-level finding), a stable rule id, a kind, a
severity and a one-line Chinese message saying what is wrong and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..records import Indicator, Table
from ..segment import clean_indicator, normalize, words
from ..targets import COUNT_UNITS, parse_target
from ..taxonomy import COST_CODES, by_code, canonical_level2, code_conflict, parent

__all__ = [
    "Finding",
    "LabelRule",
    "DEFAULT_LABEL_RULE",
    "RULES",
    "TABLE_RULES",
    "SEVERITIES",
    "KINDS",
    "check_table",
    "check_tables",
    "check_files",
    "label_findings",
    "worst_severity",
]

SEVERITIES = ("error", "warning", "info")
KINDS = ("structure", "label", "target", "completeness", "goal")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# rule id -> (kind, severity, what it means). The ids are stable: scripts filter on them.
RULES: dict[str, tuple[str, str, str]] = {
    "structure.missing-label": ("structure", "error", "no level-2 category given"),
    "structure.unknown-label": ("structure", "error", "a category label no category claims"),
    "structure.code-name": ("structure", "error", "a label whose code and name disagree (11-质量指标)"),
    "structure.level-parent": ("structure", "error", "level 2 not under its level 1"),
    "structure.layout-mix": ("structure", "warning", "成本 both under 产出 and as level 1 in one table"),
    "label.improbable": ("label", "warning", "the model finds the given category improbable and another likely"),
    "label.trained-on": ("label", "info", "the model was trained on this very file: its labels go unquestioned"),
    "target.empty": ("target", "error", "no target"),
    "target.vague": ("target", "warning", "no number and no comparison where the category needs one"),
    "target.vague-effect": ("target", "info", "a 效益 target with no number (allowed only where none can be had)"),
    "target.rate-on-count": ("target", "warning", "a % target on a count indicator"),
    "target.count-on-rate": ("target", "warning", "a count target on a rate indicator"),
    "target.not-time": ("target", "warning", "a time indicator whose target is no time"),
    "target.satisfaction-no-percent": ("target", "warning", "a 满意度 indicator without a percentage"),
    "target.impossible": ("target", "error", "a target that cannot be reached (a rate over 100%)"),
    "target.ge-100": ("target", "warning", "≥100% on a rate that cannot exceed 100%"),
    "target.trivial": ("target", "warning", "a target of ≥0: nothing required (a count) or only no decline (a rate)"),
    "completeness.no-indicators": ("completeness", "error", "a project with a goal and no indicator"),
    "completeness.no-output": ("completeness", "error", "a project without a 产出 indicator"),
    "completeness.no-effect": ("completeness", "error", "a project without a 效益 indicator"),
    "completeness.no-satisfaction": ("completeness", "warning", "serves people or firms, no 满意度 indicator"),
    "completeness.duplicate": ("completeness", "warning", "an indicator repeating another of the same project"),
    "goal.uncovered": ("goal", "info", "a number or commitment in the goal that no indicator measures"),
}

TABLE_RULES = frozenset({"label.trained-on"})  # about the whole table: shown first, under no project


@dataclass
class Finding:
    """One thing a reviewer should look at.

    ``field`` names the cell the finding is about (``level1``, ``level2``, ``indicator``,
    ``target``, or None for a whole project) so a spreadsheet can highlight it.
    ``probability`` is the model's probability of the suggested category (label findings).
    """

    row: int | None
    project: str | None
    rule: str
    kind: str
    severity: str
    message: str
    file: str = ""
    source: str = ""
    indicator: str | None = None
    field: str | None = None
    given_level2_code: str | None = None
    suggested_level2_code: str | None = None
    probability: float | None = None
    given_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSONL object: every key, always (null where it does not apply)."""
        d = asdict(self)
        if d["probability"] is not None:
            d["probability"] = round(d["probability"], 4)
        if d["given_probability"] is not None:
            d["given_probability"] = round(d["given_probability"], 4)
        return d


def _finding(rule: str, message: str, row: int | None, rec: Indicator | None, project: str | None,
             file: str, field: str | None = None, source: str = "", **label: Any) -> Finding:
    kind, severity, _ = RULES[rule]
    return Finding(
        row=row, project=project, rule=rule, kind=kind, severity=severity, message=message,
        file=file, source=rec.source if rec is not None else source,
        indicator=rec.indicator if rec is not None else None, field=field, **label,
    )


def worst_severity(findings: Iterable[Finding]) -> str | None:
    """The most severe severity among findings (error > warning > info), None if there are none."""
    ranks = [_SEVERITY_RANK[f.severity] for f in findings]
    return SEVERITIES[min(ranks)] if ranks else None


def _name(code: str | None) -> str:
    if not code:
        return "?"
    try:
        return f"{code}-{by_code(code).name}"
    except KeyError:
        return code


def _quote(text: str | None, n: int = 24) -> str:
    s = normalize(text).replace("\n", " ") if text else ""
    return s if len(s) <= n else s[: n - 1] + "…"


# ---------------------------------------------------------------------------- text classes
# What an indicator's own words say about the target it needs.
_RATE = re.compile(r"率|比例|占比|比重|百分比|%|％")
# Rates that may exceed 100%: growth, change, ratios to last year.
_UNCAPPED = re.compile(r"增长|增速|增幅|增加|增量|提高|提升|上升|下降|降低|减少|同比|环比|比上年|较上年|倍|超额|节约|节省|偏差|差异|变化|产出比|回报")
_COUNT = re.compile(
    r"数量|个数|人数|人次|户数|次数|场次|家数|件数|项数|册数|份数|台数|套数|批次|"
    r"[（(]\s*(?:" + "|".join(u for u in COUNT_UNITS if len(u) <= 2) + r")\s*[）)]|数\s*$"
)
_TIME = re.compile(r"时限|期限|完成时间|完成日期|时间节点|工期|完成时点")
_TIME_UNIT_IN_TEXT = re.compile(r"[（(]\s*(?:个?工作日|天|日|周|个?月|年|小时)\s*[）)]")
_SATISFACTION = re.compile(r"满意")
_PERCENT_IN_TEXT = re.compile(r"[（(]\s*[%％]\s*[）)]|百分比")

# The usual form of a target, by category: the hint a vague target gets.
_USUAL_FORM = {
    "11": "「≥N个」「≥N家」「≥N次」",
    "12": "「≥95%」「=100%」",
    "13": "「≤N个工作日」「X月底前」「≥95%」(及时率)",
    "14": "「≤N万元」",
    "41": "「≤N万元」",
    "42": "「≤N万元」或可量化的社会代价",
    "43": "「≤N万元」或可量化的环境代价",
    "21": "「≥N万元」「增长≥N%」",
    "22": "「≥N人」「≥N%」",
    "23": "「≥N吨」「≥N%」",
    "24": "「≥N年」「≥N%」",
    "31": "「≥90%」",
}
# Categories whose targets must be a number: 产出, 成本, 满意度. 效益 may be qualitative where
# no number can be had (the framework's own words), so there a vague target is only info.
_NEEDS_NUMBER = {"11", "12", "13", "14", "41", "42", "43", "31"}


def _is_rate(text: str) -> bool:
    return bool(_RATE.search(text))


def _is_count(text: str) -> bool:
    return bool(_COUNT.search(text)) and not _is_rate(text)


def _is_time(text: str, code: str | None) -> bool:
    return code == "13" or bool(_TIME.search(text))


def _is_satisfaction(text: str, code: str | None) -> bool:
    return code == "31" or bool(_SATISFACTION.search(text))


# ---------------------------------------------------------------------------- structure
def _structure(table: Table, rows: Sequence[tuple[int, Indicator, str | None]]) -> list[Finding]:
    out: list[Finding] = []
    f = table.path
    for i, rec, proj in rows:
        if rec.level2_code is None:
            if (rec.level2_raw or "").strip():
                out.append(_finding(
                    "structure.unknown-label",
                    f"二级指标「{_quote(rec.level2_raw)}」不是已知类别;改成标准名称,如「11-数量指标」「22-社会效益指标」",
                    i, rec, proj, f, "level2"))
            else:
                out.append(_finding(
                    "structure.missing-label", "没有二级指标;填写二级指标(如「11-数量指标」)",
                    i, rec, proj, f, "level2"))
        elif rec.level1_code is None and (rec.level1_raw or "").strip():
            out.append(_finding(
                "structure.unknown-label",
                f"一级指标「{_quote(rec.level1_raw)}」不是已知类别;改成「1-产出指标」「2-效益指标」「3-满意度指标」等",
                i, rec, proj, f, "level1"))
        for field, raw in (("level1", rec.level1_raw), ("level2", rec.level2_raw)):
            conflict = code_conflict(raw or "")
            if conflict:
                written, named = conflict
                out.append(_finding(
                    "structure.code-name",
                    f"「{_quote(raw)}」编号{written}是「{_name(written)}」,名称却是「{by_code(named).name}」;"
                    f"统一编号和名称(如「{_name(named)}」)",
                    i, rec, proj, f, field))
        if rec.level1_code and rec.level2_code:
            l1, l2 = rec.level1_code, rec.level2_code
            ok = parent(l2).code == l1 or (l2 == "14" and l1 == "4")  # 成本指标 under level-1 成本 is fine
            if not ok:
                out.append(_finding(
                    "structure.level-parent",
                    f"二级指标「{_name(l2)}」不属于一级指标「{_name(l1)}」,应在「{_name(parent(l2).code)}」下;"
                    "改一级指标或改二级指标",
                    i, rec, proj, f, "level1"))
    # Layout mix: cost under 产出 (pre-2021) and cost as level 1 (2021) in one table.
    pre = [(i, r, p) for i, r, p in rows if r.level2_code in COST_CODES and r.level1_code == "1"]
    new = [(i, r, p) for i, r, p in rows if r.level1_code == "4"]
    if pre and new:
        minority = pre if len(pre) < len(new) else new
        msg = (f"本表成本指标两种写法混用:{len(pre)}条在「1-产出指标」下,{len(new)}条为一级「成本指标」;"
               "按本表采用的版式统一")
        for i, rec, proj in minority:
            out.append(_finding("structure.layout-mix", msg, i, rec, proj, f, "level1"))
    return out


# ---------------------------------------------------------------------------- targets
def _target_findings(i: int, rec: Indicator, proj: str | None, file: str) -> list[Finding]:
    out: list[Finding] = []
    text = clean_indicator(rec.indicator)
    code = rec.level2_code
    t = parse_target(rec.target)
    tq = _quote(rec.target)

    def add(rule: str, msg: str) -> None:
        out.append(_finding(rule, msg, i, rec, proj, file, "target"))

    if t.kind == "empty":
        add("target.empty", "没有指标值;填写可考核的年度指标值" + (
            f",{by_code(code).name}通常写作{_USUAL_FORM[code]}" if code in _USUAL_FORM else ""))
        return out
    satisfaction = _is_satisfaction(text, code)
    percent_text = bool(_PERCENT_IN_TEXT.search(normalize(rec.indicator)))
    if satisfaction:
        if t.kind != "percent" and not (t.kind == "number" and percent_text):
            add("target.satisfaction-no-percent",
                f"满意度指标的指标值「{tq}」不是百分比;写作「≥90%」这样的比例")
    elif t.kind == "qualitative":
        if code in _NEEDS_NUMBER:
            add("target.vague", f"指标值「{tq}」没有数字和比较符,无法考核;"
                f"{by_code(code).name}通常写作{_USUAL_FORM[code]}")
        elif code is not None:
            add("target.vague-effect", f"指标值「{tq}」是定性描述;能量化时写成数字"
                f"(如{_USUAL_FORM.get(code, '「≥N」')}),不能量化时写明可核验的标准")
    if t.kind == "percent" and _is_count(text) and not satisfaction:
        add("target.rate-on-count", f"「{_quote(rec.indicator)}」是数量,指标值「{tq}」却是百分比;"
            "写成数量(如「≥N个」),或把指标改成比率(…率)")
    if t.kind == "count" and _is_rate(text) and not percent_text:
        add("target.count-on-rate", f"「{_quote(rec.indicator)}」是比率,指标值「{tq}」却是数量;"
            "写成百分比(如「≥95%」),或把指标改成数量")
    if _is_time(text, code) and not satisfaction and t.kind in ("count", "number", "money", "percent"):
        time_ok = (t.kind in ("percent", "number") and _is_rate(text)) or (
            t.kind == "number" and bool(_TIME_UNIT_IN_TEXT.search(normalize(rec.indicator))))
        if not time_ok:
            add("target.not-time", f"时效指标的指标值「{tq}」不是时间;写成「≤N个工作日」「X月底前」或及时率「≥95%」")
    if t.comparison == "≥" and t.value == 0 and t.kind in ("percent", "count", "number", "money"):
        what = "只要求不下降" if t.kind == "percent" else "不做任何事也能达到"
        add("target.trivial", f"指标值「{tq}」{what},起不到考核作用;写一个有要求的值"
            "(如增长率「≥5%」、数量「≥N个」)")
    # Impossible targets: a rate that cannot exceed 100% asked to exceed it.
    capped = (_is_rate(text) or satisfaction) and not _UNCAPPED.search(text)
    pct = t.value if (t.kind == "percent" or (t.kind == "number" and capped and (
        percent_text or _is_rate(text)))) else None
    if capped and pct is not None:
        if pct > 100 or (pct == 100 and t.comparison == ">"):
            add("target.impossible", f"比率不能超过100%,指标值「{tq}」达不到;改成不超过100%的值(如「≥95%」「=100%」)")
        elif pct == 100 and t.comparison == "≥":
            add("target.ge-100", f"比率最多100%,「{tq}」就是要求100%;写作「=100%」")
    return out


# ---------------------------------------------------------------------------- completeness
_BENEFICIARY = re.compile(
    r"企业|群众|市民|服务对象|学生|居民|商户|农户|村民|患者|老人|老年人|儿童|游客|消费者|家庭|残疾人|"
    r"职工|受益|用户|困难群体|低收入|商家|经营主体|市场主体|退休|优抚对象|学员|幼儿|病人|考生"
)
_SERVICE = re.compile(r"服务|扶持|支持|帮扶|补贴|补助|慰问|培训|资助|惠|宣讲|宣传|帮助|协助|助推|发放|奖励|救助|走访|解决")


def _project_findings(table: Table, proj: str | None, goal: str | None,
                      rows: Sequence[tuple[int, Indicator]], has_goal_row: bool, where: str = "") -> list[Finding]:
    out: list[Finding] = []
    f = table.path
    where = where or (rows[0][1].source if rows else "")
    if not rows:
        if has_goal_row:
            out.append(_finding("completeness.no-indicators", "项目有绩效目标,没有任何绩效指标;按目标补齐产出、效益指标",
                                None, None, proj, f, source=where))
        return out
    level1s = {r.level1_code or (parent(r.level2_code).code if r.level2_code else None) for _, r in rows}
    if "1" not in level1s:
        out.append(_finding("completeness.no-output", "项目没有产出指标;至少加一个产出指标(数量、质量或时效)",
                            None, None, proj, f, source=where))
    if "2" not in level1s:
        out.append(_finding("completeness.no-effect", "项目没有效益指标;至少加一个效益指标(经济、社会、生态或可持续影响)",
                            None, None, proj, f, source=where))
    if "3" not in level1s and not any(_is_satisfaction(clean_indicator(r.indicator), r.level2_code)
                                      for _, r in rows):
        texts = [goal or ""] + [f"{r.indicator} {r.target or ''}" for _, r in rows]
        joined = " ".join(normalize(t) for t in texts)
        who = _BENEFICIARY.search(joined)
        if who and _SERVICE.search(joined):
            out.append(_finding("completeness.no-satisfaction",
                                f"项目面向「{who.group(0)}」,没有满意度指标;加一个「服务对象满意度 ≥90%」",
                                None, None, proj, f, source=where))
    seen: dict[str, int] = {}
    for i, r in rows:
        key = re.sub(r"[\W_]+", "", clean_indicator(r.indicator))
        if not key:
            continue
        if key in seen:
            out.append(_finding("completeness.duplicate",
                                f"与第{seen[key] + 1}条指标「{_quote(r.indicator)}」重复;删去一条或改成不同的指标",
                                i, r, proj, f, "indicator"))
        else:
            seen[key] = i
    if goal:
        out.extend(_goal_findings(table, proj, goal, rows, where))
    return out


# ---------------------------------------------------------------------------- goal coverage
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_GOAL_UNITS = sorted(set(COUNT_UNITS) | {"%", "万元", "亿元", "万人", "万户", "万家", "万平方米", "公顷"},
                     key=len, reverse=True)
_GOAL_NUMBER = re.compile(
    r"((?:不少于|不低于|至少|超过|达到|新增|累计|完成|突破|控制在)?\s*(" + _NUM + r")\s*(?:"
    + "|".join(re.escape(u) for u in _GOAL_UNITS) + r"))"
)
_COMMIT = re.compile(r"(打造|建成|创建|举办|培育|引进|新建|建立)([^,，。;；!！?？:：]{2,40})")
_GOAL_STOP = frozenset(
    "工作 推动 推进 提升 提高 发展 我区 本区 全区 加强 进一步 全面 一批 一个 相关 各类 开展 建设 实现 促进 加快 "
    "有效 积极 不断 持续 更加 重点 支持 做好 完成 一批 形成 以及 良好 国内 国际 城市 服务 地区 区域 领域".split()
)


def _numbers(text: str) -> set[float]:
    return {float(m.replace(",", "")) for m in re.findall(_NUM, normalize(text))}


def _goal_findings(table: Table, proj: str | None, goal: str,
                   rows: Sequence[tuple[int, Indicator]], where: str = "") -> list[Finding]:
    out: list[Finding] = []
    g = normalize(goal)
    measured = " ".join(normalize(f"{r.indicator} {r.target or ''}") for _, r in rows)
    measured_numbers = _numbers(measured)
    reported: set[str] = set()
    spans: list[tuple[int, int]] = []
    for m in _GOAL_NUMBER.finditer(g):
        value = float(m.group(2).replace(",", ""))
        phrase = m.group(1).strip()
        after = g[m.end(): m.end() + 1]
        if 1900 <= value <= 2100 and (after in ("年", "、") or phrase.endswith("年")):
            continue
        if value in measured_numbers or phrase in reported:
            continue
        reported.add(phrase)
        spans.append(m.span())
        ctx = g[max(0, m.start() - 8): m.end() + 8]
        out.append(_finding("goal.uncovered",
                            f"绩效目标中的「{phrase}」(…{ctx}…)没有指标衡量;加一个指标,把它写成指标值",
                            None, None, proj, table.path, source=where))
    measured_words = set(words(measured))
    for m in _COMMIT.finditer(g):
        phrase = m.group(0)
        if re.search(r"关于|贯彻|落实|按照|根据", g[max(0, m.start() - 8): m.start()]):
            continue  # "贯彻…关于建立…的部署": the context, not this project's commitment
        if any(a < m.end() and m.start() < b for a, b in spans):
            continue  # "举办宣讲会3场": already reported as a number
        content = [w for w in words(m.group(2)) if len(w) >= 2 and w not in _GOAL_STOP and not re.match(_NUM, w)]
        if not content:
            continue
        head = content[-1]
        overlap = [w for w in content if w in measured_words or w in measured]
        if head in measured or len(set(overlap)) >= 2 or phrase in reported:
            continue
        reported.add(phrase)
        out.append(_finding("goal.uncovered",
                            f"绩效目标承诺「{_quote(phrase, 30)}」,没有指标衡量;加一个能说明是否做到的指标",
                            None, None, proj, table.path, source=where))
    return out


# ---------------------------------------------------------------------------- label rule
@dataclass(frozen=True)
class LabelRule:
    """When the model's disagreement with a given category is worth a reviewer's time.

    A flag needs both: the given category is improbable (p(given) below a threshold) and another
    category is clearly preferred (p(best other) / p(given) at least ``min_ratio``). The
    threshold depends on where the preferred category sits: a move to another level-1 family
    (产出↔效益↔满意度) is rarely a matter of taste, a move within the family (数量↔质量) often
    is, so the two get their own thresholds. Parameters come from
    ``benchmarks/bench_check.py`` (tuned on held-out pages, see there).
    """

    max_given_cross: float = 0.05
    max_given_within: float = 0.02
    min_ratio: float = 10.0

    def flags(self, p_given: float, p_best: float, same_family: bool) -> bool:
        """True when the given category should be flagged."""
        limit = self.max_given_within if same_family else self.max_given_cross
        return p_given < limit and p_best >= self.min_ratio * max(p_given, 1e-9)


DEFAULT_LABEL_RULE = LabelRule()


def _family(code: str) -> str:
    return parent(canonical_level2(code)).code


def label_findings(table: Table, model: Any, rule: LabelRule = DEFAULT_LABEL_RULE,
                   rows: Sequence[tuple[int, Indicator, str | None]] | None = None) -> list[Finding]:
    """Findings of the label rule: rows whose given level 2 the model finds improbable."""
    if rows is None:
        rows = [(i, r, r.project) for i, r in enumerate(table.records)]
    todo = [(i, r, p) for i, r, p in rows if r.level2_code and (r.indicator or "").strip()]
    if not todo:
        return []
    classes = [str(c) for c in model.classes_]
    index = {c: k for k, c in enumerate(classes)}
    proba = model.predict_proba([r for _, r, _ in todo])
    out: list[Finding] = []
    for (i, rec, proj), p in zip(todo, proba, strict=True):
        given = canonical_level2(rec.level2_code)
        if given not in index:
            continue
        k = index[given]
        p_given = float(p[k])
        order = sorted(range(len(classes)), key=lambda j: -float(p[j]))
        best = next(j for j in order if j != k)
        p_best = float(p[best])
        suggested = classes[best]
        same = _family(suggested) == _family(given)
        if not rule.flags(p_given, p_best, same):
            continue
        out.append(_finding(
            "label.improbable",
            f"「{_quote(rec.indicator)}」不太像{by_code(given).name}(模型概率{p_given:.0%}),"
            f"更像{by_code(suggested).name}({p_best:.0%});核对二级指标",
            i, rec, proj, table.path, "level2",
            given_level2_code=rec.level2_code, suggested_level2_code=suggested,
            probability=p_best, given_probability=p_given))
    return out


# ---------------------------------------------------------------------------- API
@dataclass
class _ProjectRows:
    name: str | None
    goal: str | None
    rows: list[tuple[int, Indicator]]
    has_project_row: bool  # the table has a row for the project itself (seed layout)
    source: str


def _projects(table: Table) -> list[_ProjectRows]:
    """The projects of a table with their indicator rows, in reading order.

    A project is its name within its source page: a corpus of many pages (``url`` column)
    does not merge two pages' unnamed projects into one.
    """
    out: dict[tuple[str, str | None], _ProjectRows] = {}
    for p in table.projects:
        out.setdefault(("", p.name), _ProjectRows(p.name, p.goal, [], bool((p.goal or "").strip()), p.source))
    for i, r in enumerate(table.records):
        pr = out.setdefault((r.url or "", r.project), _ProjectRows(r.project, r.goal, [], False, r.source))
        if pr.goal is None and r.goal:
            pr.goal = r.goal
        pr.rows.append((i, r))
    return list(out.values())


def _order(findings: list[Finding], table: Table) -> list[Finding]:
    order: dict[str | None, int] = {}
    for k, pr in enumerate(_projects(table)):
        order.setdefault(pr.name, k)
    return sorted(findings, key=lambda f: (-1 if f.rule in TABLE_RULES else order.get(f.project, len(order)),
                                           -1 if f.row is None else f.row,
                                           _SEVERITY_RANK[f.severity], f.rule))


def check_table(table: Table, model: Any = None, *, labels: bool = True,
                label_rule: LabelRule = DEFAULT_LABEL_RULE) -> list[Finding]:
    """All findings for one table, grouped by project and in reading order.

    ``model`` is a fitted classifier (``classes_``, ``predict_proba``); None loads the shipped
    model. ``labels=False`` skips the label rule (no model needed).
    """
    rows = [(i, r, r.project) for i, r in enumerate(table.records)]
    findings = _structure(table, rows)
    for i, r, p in rows:
        findings.extend(_target_findings(i, r, p, table.path))
    for pr in _projects(table):
        findings.extend(_project_findings(table, pr.name, pr.goal, pr.rows, pr.has_project_row, pr.source))
    if labels and table.records:
        if model is None:
            model = _default_model()
        findings.extend(label_findings(table, model, label_rule, rows))
        if _trained_on(table, model):
            findings.append(_finding(
                "label.trained-on", "类别检查所用的模型是用这张表训练的,不会质疑它自己的类别;要检查类别,"
                "用不含这张表训练的模型(indicatorml train … --out DIR,再 check --model DIR)",
                None, None, None, table.path, None))
    return _order(findings, table)


def _trained_on(table: Table, model: Any) -> bool:
    """Did the model learn from this file (same text, any encoding)? Models record their files' hashes."""
    seen = (getattr(model, "training_", None) or {}).get("file_sha256") or []
    return bool(table.sha256) and table.sha256 in seen


def _default_model() -> Any:
    from ..coding.model import load_model

    return load_model()


def check_tables(tables: Sequence[Table], model: Any = None, *, labels: bool = True,
                 label_rule: LabelRule = DEFAULT_LABEL_RULE) -> list[Finding]:
    """Findings of several tables, one model load for all."""
    if labels and model is None and any(t.records for t in tables):
        model = _default_model()
    out: list[Finding] = []
    for t in tables:
        out.extend(check_table(t, model, labels=labels, label_rule=label_rule))
    return out


def check_files(paths: Sequence[str], model: Any = None, *, labels: bool = True,
                label_rule: LabelRule = DEFAULT_LABEL_RULE) -> list[Finding]:
    """Read each file with the table reader and check it. Read problems stay in the tables
    (see :func:`indicatorml.tables.report_problems`); use :func:`check_tables` to get both."""
    from ..tables import read_tables

    return check_tables(read_tables(list(paths)), model, labels=labels, label_rule=label_rule)
