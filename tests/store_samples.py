"""Synthetic reviews built from real indicator texts, for the store's tests and benchmarks/bench_store.py.

A review here looks like what the review pipeline will hand to ``Store.save_review``: per file a
table layout, its uploaded bytes, its indicator rows (real rows of
data/corpus/public_indicators.tsv: project, goal, categories, indicator, target), one project
per file, a suggestion per row, label findings on about one row in ten, a vague-target finding
on about one in twenty and a project finding now and then. The uploaded bytes are a real form
workbook of tests/fixtures (6–9 KB, the size of a one-project form) with the file number
appended, so every file is a distinct blob of realistic size.
"""

from __future__ import annotations

import csv
import random
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from indicatorml.records import Indicator

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus" / "public_indicators.tsv"
FORMS = sorted((ROOT / "tests" / "fixtures" / "workbooks").glob("申报表_*.xlsx"))
LEVEL2 = {
    "数量指标": ("1", "11"),
    "质量指标": ("1", "12"),
    "时效指标": ("1", "13"),
    "成本指标": ("1", "14"),
    "经济效益指标": ("2", "21"),
    "社会效益指标": ("2", "22"),
    "生态效益指标": ("2", "23"),
    "可持续影响指标": ("2", "24"),
    "服务对象满意度指标": ("3", "31"),
}


@lru_cache(maxsize=1)
def corpus_rows() -> list[dict[str, str]]:
    """The labeled rows of the shipped corpus with a category the sample knows."""
    with open(CORPUS, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r for r in rows if r["level2"] in LEVEL2 and r["indicator"].strip()]


@lru_cache(maxsize=len(FORMS) or 1)
def _form_bytes(i: int) -> bytes:
    return FORMS[i].read_bytes()


def make_review(
    seed: int, files: int = 3, rows_per_file: int = 20, with_data: bool = True, **extra: Any
) -> dict[str, Any]:
    """A review of ``files`` uploaded forms with ``rows_per_file`` indicators each (a ReviewIn)."""
    rng = random.Random(seed)
    corpus = corpus_rows()
    review: dict[str, Any] = {
        "model_name": "default",
        "model_hash": f"{rng.getrandbits(256):064x}",
        "model_info": {"version": "0.1.0", "trained": "2024-06-01", "classes": 9},
        "label_rule": {"cross": 0.1, "within": 0.05, "ratio": 3.0},
        "files": [],
        "rows": [],
        "projects": [],
        "findings": [],
        **extra,
    }
    for n in range(1, files + 1):
        start = rng.randrange(len(corpus))
        picked = [corpus[(start + i) % len(corpus)] for i in range(rows_per_file)]
        project = picked[0]["project"] or f"项目{seed}-{n}"
        name = f"{picked[0]['org'] or '某单位'}_{n:03d}_绩效目标表.xlsx"
        blob = _form_bytes(n % len(FORMS)) + f"#{seed}-{n}".encode()
        file: dict[str, Any] = {
            "n": n,
            "name": name,
            "kind": "xlsx",
            "table": {
                "kind": "xlsx",
                "sheets": [
                    {
                        "name": "项目1",
                        "kind": "sheet",
                        "tables": [
                            {
                                "header_row": 8,
                                "first_row": 9,
                                "last_row": 8 + rows_per_file,
                                "first_col": 1,
                                "last_col": 6,
                            }
                        ],
                    }
                ],
                "problems": []
                if n % 7
                else [{"file": name, "line": 30, "reason": "这一行读不出指标名称", "sheet": "项目1"}],
                "encoding": None,
            },
        }
        if with_data:
            file["data"] = blob
        review["files"].append(file)
        review["projects"].append(
            {
                "file_n": n,
                "k": 0,
                "name": project,
                "goal": picked[0]["goal"] or None,
                "grade": rng.choice(["优", "良", "中", "差"]),
                "info": {"amounts": {"amount": round(rng.uniform(5, 500), 2)}, "indicators": rows_per_file},
            }
        )
        for row, src in enumerate(picked):
            level1_code, level2_code = LEVEL2[src["level2"]]
            ind = Indicator(
                indicator=src["indicator"],
                target=src["target"] or None,
                level1_code=level1_code,
                level1=src["level1"] or None,
                level2_code=level2_code,
                level2=src["level2"],
                level2_raw=src["level2_raw"] or src["level2"],
                project=project,
                goal=src["goal"] or None,
                source=f"{name}[项目1]:{9 + row}",
                extra={
                    "_sheet": "项目1",
                    "_cells": {"indicator": [9 + row, 3], "target": [9 + row, 4]},
                    "_row": row,
                },
            )
            suggested = rng.choice(list(LEVEL2.values()))[1] if rng.random() < 0.08 else level2_code
            confidence = round(rng.uniform(0.3, 0.99), 4)
            review["rows"].append(
                {
                    "file_n": n,
                    "row": row,
                    "project": project,
                    "indicator": ind.indicator,
                    "target": ind.target,
                    "level1_code": level1_code,
                    "level2_code": level2_code,
                    "level2_raw": ind.level2_raw,
                    "origin": {"sheet": "项目1", "cells": ind.extra["_cells"]},
                    "record": asdict(ind),
                    "suggestion": {
                        "level2_code": suggested,
                        "confidence": confidence,
                        "alternatives": [
                            [code, round((1 - confidence) / 2, 4)]
                            for _, code in rng.sample(list(LEVEL2.values()), 2)
                        ],
                        "heldout": rng.random() < 0.5,
                        "why": [ind.indicator[:2], ind.indicator[-2:]],
                    },
                }
            )
            if suggested != level2_code or rng.random() < 0.02:
                review["findings"].append(
                    {
                        "file_n": n,
                        "row": row,
                        "project": project,
                        "rule": "label.improbable",
                        "severity": "warning",
                        "field": "level2",
                        "message": f"“{ind.indicator}”更像{suggested}类指标（概率 {confidence:.0%}），而表中写的是{src['level2']}",
                        "data": {"suggested": suggested, "given": level2_code, "p": confidence},
                    }
                )
            if rng.random() < 0.05:
                review["findings"].append(
                    {
                        "file_n": n,
                        "row": row,
                        "project": project,
                        "rule": "target.vague",
                        "severity": "warning",
                        "field": "target",
                        "message": f"指标值“{ind.target}”没有可衡量的数值或标准",
                    }
                )
        if rng.random() < 0.3:
            review["findings"].append(
                {
                    "file_n": n,
                    "row": None,
                    "project": project,
                    "rule": "structure.no_benefit",
                    "severity": "error",
                    "message": "项目没有效益指标",
                }
            )
    return review
