"""The rule families: one module per family, one function each, one list of them (:mod:`.registry`).

Table-wide: ``structure`` (labels missing, unknown, contradicting; two cost layouts), ``labels``
(the model's doubt about a category, with the words behind it). Per project: ``required``
(指标解释 / 评(扣)分标准 / 指标值设定依据 left empty), ``weights`` (分值 adding up), ``targets``,
``direction``, ``units``, ``period`` (the 年度指标值 itself), ``funds`` (cost above the project's
money), ``placement`` (filed under a category its words contradict), ``completeness``,
``satisfaction`` (who the project serves) and ``goals`` (the goal's numbers and commitments).
"""

from .registry import FAMILIES, RULE_INFO, RULES, TABLE_RULES, Family, rule_info, rule_name

__all__ = ["Family", "FAMILIES", "RULE_INFO", "RULES", "TABLE_RULES", "rule_info", "rule_name"]
