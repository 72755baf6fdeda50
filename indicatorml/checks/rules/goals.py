"""Goal coverage: a number or commitment in a project's 绩效目标 that no indicator measures."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...segment import normalize, words
from ...targets import COUNT_UNITS
from ..context import ProjectContext
from ..finding import Finding, Rule, excerpt
from ..sources import TARGETS_2015, cite

__all__ = ["RULES", "goal_findings"]

UNCOVERED = Rule(
    "goal.uncovered",
    "goal",
    "info",
    "目标未被指标覆盖",
    "绩效目标里的数字或承诺,没有指标衡量",
    cite(TARGETS_2015, "绩效指标应与绩效目标相对应(相关性审核)"),
    "目标里的背景说明(贯彻某文件、打造某中心)被当作本项目的承诺;数字换了说法(万人与人)的指标",
)
RULES = (UNCOVERED,)

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_GOAL_UNITS = sorted(
    set(COUNT_UNITS) | {"%", "万元", "亿元", "万人", "万户", "万家", "万平方米", "公顷"},
    key=len,
    reverse=True,
)
_GOAL_NUMBER = re.compile(
    r"((?:不少于|不低于|至少|超过|达到|新增|累计|完成|突破|控制在)?\s*("
    + _NUM
    + r")\s*(?:"
    + "|".join(re.escape(u) for u in _GOAL_UNITS)
    + r"))"
)
_COMMIT = re.compile(r"(打造|建成|创建|举办|培育|引进|新建|建立)([^,，。;；!！?？:：]{2,40})")
_GOAL_STOP = frozenset(
    "工作 推动 推进 提升 提高 发展 我区 本区 全区 加强 进一步 全面 一批 一个 相关 各类 开展 建设 实现 促进 加快 "
    "有效 积极 不断 持续 更加 重点 支持 做好 完成 一批 形成 以及 良好 国内 国际 城市 服务 地区 区域 领域".split()
)


def _numbers(text: str) -> set[float]:
    return {float(m.replace(",", "")) for m in re.findall(_NUM, normalize(text))}


def goal_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """``goal.uncovered`` findings of one project: each number (``新增10家``) or commitment
    (``建成…``) of its 绩效目标 that none of its indicators or targets mentions."""
    if not ctx.goal or not ctx.rows:  # a project without indicators has its own finding
        return
    g = normalize(ctx.goal)
    measured = " ".join(normalize(f"{r.indicator} {r.target or ''}") for _, r in ctx.rows)
    measured_numbers = _numbers(measured)
    reported: set[str] = set()
    spans: list[tuple[int, int]] = []
    for m in _GOAL_NUMBER.finditer(g):
        value = float(m.group(2).replace(",", ""))
        phrase = m.group(1).strip()
        after = g[m.end() : m.end() + 1]
        if 1900 <= value <= 2100 and (after in ("年", "、") or phrase.endswith("年")):
            continue
        if value in measured_numbers or phrase in reported:
            continue
        reported.add(phrase)
        spans.append(m.span())
        around = g[max(0, m.start() - 8) : m.end() + 8]
        yield ctx.about(
            UNCOVERED, f"绩效目标中的「{phrase}」(…{around}…)没有指标衡量;加一个指标,把它写成指标值"
        )
    measured_words = set(words(measured))
    for m in _COMMIT.finditer(g):
        phrase = m.group(0)
        if re.search(r"关于|贯彻|落实|按照|根据", g[max(0, m.start() - 8) : m.start()]):
            continue  # "贯彻…关于建立…的部署": the context, not this project's commitment
        if any(a < m.end() and m.start() < b for a, b in spans):
            continue  # "举办宣讲会3场": already reported as a number
        content = [
            w for w in words(m.group(2)) if len(w) >= 2 and w not in _GOAL_STOP and not re.match(_NUM, w)
        ]
        if not content:
            continue
        head = content[-1]
        overlap = [w for w in content if w in measured_words or w in measured]
        if head in measured or len(set(overlap)) >= 2 or phrase in reported:
            continue
        reported.add(phrase)
        yield ctx.about(
            UNCOVERED, f"绩效目标承诺「{excerpt(phrase, 30)}」,没有指标衡量;加一个能说明是否做到的指标"
        )
