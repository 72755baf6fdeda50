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
import hashlib
import random
from dataclasses import asdict
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from indicatorml.records import Indicator

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus" / "public_indicators.tsv"
FORMS = sorted((ROOT / "tests" / "fixtures" / "workbooks").glob("申报表_*.xlsx"))
T0 = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
ABC, DE = hashlib.sha256(b"abc").hexdigest(), hashlib.sha256(b"de").hexdigest()
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


def write_revision_1_review(conn: sa.Connection) -> None:
    """A review as revision 0001 stored it (no title column yet), written through the tables the
    database itself has at that revision, not through today's code."""
    md = sa.MetaData()
    md.reflect(conn)
    t = md.tables
    conn.execute(
        sa.insert(t["blobs"]),
        [
            {"sha256": ABC, "size": 3, "data": b"abc", "created_at": T0},
            {"sha256": DE, "size": 2, "data": b"de", "created_at": T0},
        ],
    )
    conn.execute(
        sa.insert(t["reviews"]).values(
            id="old-review",
            created_at=T0,
            created_by="张三",
            department="财政局",
            year=2023,
            org="某某局",
            model_name="default",
            model_hash="f" * 64,
            model_info={"version": "0.0.9"},
            label_rule={"cross": 0.1},
            status="done",
            parent_id=None,
            files_count=2,
            rows_count=2,
            projects_count=1,
            findings_count=1,
        )
    )
    conn.execute(
        sa.insert(t["review_files"]),
        [
            {
                "review_id": "old-review",
                "n": 1,
                "name": "甲.xlsx",
                "blob_sha256": ABC,
                "kind": "xlsx",
                "table": {"sheets": []},
            },
            {
                "review_id": "old-review",
                "n": 2,
                "name": "乙.csv",
                "blob_sha256": DE,
                "kind": "csv",
                "table": {"columns": ["指标"]},
            },
        ],
    )
    rows = [
        {"file_n": 1, "row": 0, "indicator": "培训人数", "target": "≥100人", "level2_code": "11"},
        {"file_n": 2, "row": 0, "indicator": "群众满意度", "target": "≥90%", "level2_code": "31"},
    ]
    conn.execute(
        sa.insert(t["review_rows"]),
        [
            {
                "review_id": "old-review",
                "project": "培训项目",
                "level1_code": r["level2_code"][0],
                "level2_raw": None,
                "origin": None,
                "record": {"indicator": r["indicator"]},
                "suggestion": {"level2_code": r["level2_code"], "confidence": 0.9},
                **r,
            }
            for r in rows
        ],
    )
    conn.execute(
        sa.insert(t["review_projects"]).values(
            review_id="old-review", file_n=1, k=0, name="培训项目", goal="提高技能", grade="良", info=None
        )
    )
    finding_id = conn.execute(
        sa.insert(t["findings"]).values(
            review_id="old-review",
            k=0,
            file_n=1,
            row=0,
            project="培训项目",
            rule="label.improbable",
            severity="warning",
            field="level2",
            message="更像质量指标",
            data={"p": 0.2},
        )
    ).inserted_primary_key[0]
    conn.execute(
        sa.insert(t["decisions"]).values(
            review_id="old-review",
            finding_id=finding_id,
            file_n=1,
            row=0,
            decision="set",
            level2_code="12",
            comment="按建议改",
            user="张三",
            created_at=T0,
        )
    )
    conn.execute(sa.insert(t["settings"]).values(key="model:财政局", value={"name": "local"}))
