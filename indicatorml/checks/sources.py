"""The documents the rules rest on, named once so that every rule cites them alike.

Why a module: a reviewer who doubts a finding asks "says who?". Each :class:`~.finding.Rule`
names the document and the point of it that the rule checks; the titles are spelled here once.
Points are cited by what they say, not by article number.
"""

from __future__ import annotations

__all__ = ["TARGETS_2015", "EVALUATION_2020", "CORE_2021", "LOCAL_FORMS", "MODEL", "cite"]

# 绩效目标的要素(产出、效益、满意度、成本)、"指向明确、细化量化、合理可行、相应匹配"、
# 审核(完整性、相关性、适当性、可行性)与审核结果优/良/中/差(差的不得进入下一步预算安排)。
TARGETS_2015 = "财政部《中央部门预算绩效目标管理办法》(财预〔2015〕88号)"
# 单位自评:一级指标权重原则上产出50%、效益30%、服务对象满意度10%、预算执行率10%;评价等级。
EVALUATION_2020 = "财政部《项目支出绩效评价管理办法》(财预〔2020〕10号)"
# 核心绩效指标:成本指标单列为一级(经济/社会/生态环境成本),指标方向、度量单位,
# 指标解释、评(扣)分标准、指标值设定依据;产出与效益、年度与实施期的区分。
CORE_2021 = "财政部《中央部门项目支出核心绩效目标和指标设置及取值指引(试行)》(财预〔2021〕101号)"
# Not a central document: what the 申报表 instructions of many provinces and cities ask.
LOCAL_FORMS = "各地项目支出绩效目标申报表填报说明(常见要求,非中央文件)"
MODEL = "indicatorml 分类模型(交叉拟合;阈值按 benchmarks/bench_check.py 的留出页面确定)"


def cite(document: str, point: str) -> str:
    """``document``:``point`` — how a rule names what it rests on."""
    return f"{document}:{point}"
