"""Findings per 100 indicators, by rule, on the shipped tables (issue 16's figures for the note).

What it measures: how often each rule fires on real tables — the seed (a published 2024 table),
the corpus (627 published indicators from 95 pages) and the workbook fixtures (generated forms
and 自评表 built from corpus rows, with planted damage) — and the project grades that follow.
Nothing here is tuned: the rules run with their shipped settings, the label rule with the shipped
model (which scores the seed's and corpus's rows with the fold models that never saw their
source). The counts say how loud each rule is; whether a finding is right is judged by reading
them (README, "检查规则与项目评级"; the seed's label findings are judged in the notes).

Run: ``.venv/bin/python benchmarks/bench_rules.py``
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicatorml.checks import GRADES, RULE_INFO, check_table, project_grades  # noqa: E402
from indicatorml.coding import load_model  # noqa: E402
from indicatorml.tables import read_table  # noqa: E402

SEED = ROOT / "data" / "seed" / "000_fc0049aa6689bdbf.txt"
CORPUS = ROOT / "data" / "corpus" / "public_indicators.tsv"
FIXTURES = ROOT / "tests" / "fixtures" / "workbooks"


def main() -> int:
    t0 = time.perf_counter()
    model = load_model()
    sets = {
        "seed": [SEED],
        "corpus": [CORPUS],
        "fixtures": sorted(p for p in FIXTURES.iterdir() if p.name != "manifest.json"),
    }
    per: dict[str, Counter[str]] = {}
    n_ind: dict[str, int] = {}
    grades: dict[str, Counter[str]] = {}
    for name, paths in sets.items():
        tables = [read_table(p) for p in paths]
        counts: Counter[str] = Counter()
        gs: Counter[str] = Counter()
        for t in tables:
            findings = check_table(t, model)
            counts.update(f.rule for f in findings)
            gs.update(g.grade for g in project_grades(t, findings))
        per[name], grades[name] = counts, gs
        n_ind[name] = sum(len(t.records) for t in tables)
    names = list(sets)
    print("findings per 100 indicators (shipped rules, shipped model)")
    print(f"{'rule':34}" + "".join(f"{n:>10}" for n in names) + "  名称")
    print(f"{'indicators':34}" + "".join(f"{n_ind[n]:>10}" for n in names))
    for rule_id, rule in RULE_INFO.items():
        cells = [100 * per[n][rule_id] / max(n_ind[n], 1) for n in names]
        print(f"{rule_id:34}" + "".join(f"{c:>10.1f}" for c in cells) + f"  {rule.name}")
    totals = [100 * sum(per[n].values()) / max(n_ind[n], 1) for n in names]
    print(f"{'all findings':34}" + "".join(f"{c:>10.1f}" for c in totals))
    print("\nproject grades (the corpus's projects are its pages' unnamed groups)")
    for n in names:
        print(f"  {n:10} " + ", ".join(f"{g} {grades[n][g]}" for g in GRADES))
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
