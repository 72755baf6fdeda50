"""How serious a finding is: the severity ids, their order and their Chinese names, in one table.

Why a module of its own: the rules, the terminal report, the reviewer's workbook, the web page
and ``check --fail-on`` all rank and name severities; one table keeps them agreeing (an id
stays in JSON for scripts, the Chinese name is what a reviewer reads).
"""

from __future__ import annotations

__all__ = ["SEVERITIES", "SEVERITY_ZH", "SEVERITY_RANK"]

SEVERITIES = ("error", "warning", "info")  # most severe first
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # 0 = most severe: sort keys, min() = worst
