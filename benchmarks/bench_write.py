"""Writing the review workbook is linear in its rows: 7,200 / 14,500 / 29,000-row tables, in one run.

    .venv/bin/python benchmarks/bench_write.py [--sizes 7200 14500 29000] [--kinds csv xlsx]

Each table is built from the real corpus rows (data/corpus/public_indicators.tsv): its pages
over and over, each copy of a page one project with the page's own goal, as a flat CSV (the new-workbook path:
``check big.csv -o out.xlsx``) and as a one-sheet flat XLSX (the user's own workbook, annotated
in place). For each file, in the same process:

* ``json check``  — ``check FILE --format jsonl -o out.jsonl`` end to end (read, score, check, write JSON);
* ``xlsx check``  — ``check FILE -o out.xlsx`` end to end (the same, writing the review workbook);
* ``write only``  — the review workbook alone (:func:`indicatorml.checks.review_workbook` on the
  table and findings already there), the part that used to be quadratic.

Printed: wall and CPU seconds, CPU microseconds per row (flat when growth is linear), and
xlsx/json (the goal: at most 2.0 at 29,000 rows). CPU time is what the code costs on a shared
machine; wall time is what a user waits on an idle one. Each figure is the best of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicatorml.checks import check_table, review_workbook  # noqa: E402
from indicatorml.coding import load_model  # noqa: E402
from indicatorml.reviews import run_check  # noqa: E402
from indicatorml.tables import read_table  # noqa: E402

CORPUS = ROOT / "data" / "corpus" / "public_indicators.tsv"
HEADER = ["项目名称", "年度绩效目标", "一级指标", "二级指标", "三级指标", "年度指标值"]


def corpus_pages() -> list[list[dict[str, str]]]:
    """The corpus rows with an indicator and a category, grouped by source page, in file order."""
    with CORPUS.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    pages: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if r["indicator"].strip() and r["level2_raw"].strip():
            pages.setdefault(r["url"], []).append(r)
    return list(pages.values())


def table_rows(n: int) -> list[list[str]]:
    """``n`` indicator rows: the corpus's pages over and over, each copy of a page one project
    (its own name and goal where the page gives them, numbered so every copy is its own
    project), as a department's table of many projects is."""
    pages = corpus_pages()
    out: list[list[str]] = []
    k = 0
    while len(out) < n:
        page = pages[k % len(pages)]
        project = f"{page[0]['project'] or '专项工作经费'}{k + 1}"
        goal = next((r["goal"] for r in page if r["goal"].strip()), "")
        for r in page[: n - len(out)]:
            out.append([project, goal, r["level1"], r["level2_raw"], r["indicator"], r["target"]])
        k += 1
    return out


def write_csv(rows: list[list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("指标")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of the fastest of ``repeat`` runs. CPU time is
    printed too because the machine may be shared: it is what the code costs, whatever else runs."""
    out = []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - w0, time.process_time() - c0))
    return min(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[7200, 14500, 29000])
    ap.add_argument("--kinds", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    model = load_model()
    err = io.StringIO()
    print("seconds: wall (CPU); µs/row: CPU; xlsx/json: wall (CPU)")
    print(
        f"{'file':<5} {'rows':>6} | {'json check':>13} {'xlsx check':>13} {'write only':>13} | "
        f"{'µs/row json':>11} {'xlsx':>6} {'write':>6} | {'xlsx/json':>11}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        warm = d / "warm.csv"  # the first check in a process loads and caches what every later one reuses
        write_csv(table_rows(200), warm)
        run_check([str(warm)], fmt="jsonl", output=str(d / "w.jsonl"), err=err)
        run_check([str(warm)], output=str(d / "w.xlsx"), err=err)
        for kind in a.kinds:
            for n in a.sizes:
                src = d / f"table{n}.{kind}"
                (write_csv if kind == "csv" else write_xlsx)(table_rows(n), src)
                json_t = best(
                    lambda src=src: run_check([str(src)], fmt="jsonl", output=str(d / "o.jsonl"), err=err),
                    a.repeat,
                )
                xlsx_t = best(
                    lambda src=src: run_check([str(src)], output=str(d / "o.xlsx"), err=err), a.repeat
                )
                table = read_table(src)
                assert len(table.records) == n, (kind, n, len(table.records))
                findings = check_table(table, model)
                data = src.read_bytes()
                write_t = best(
                    lambda table=table, findings=findings, data=data, kind=kind: review_workbook(
                        table, findings, name=f"申报表.{kind}", source=data
                    ),
                    a.repeat,
                )
                cells = " ".join(f"{w:6.2f} ({c:5.2f})" for w, c in (json_t, xlsx_t, write_t))
                json_us, xlsx_us, write_us = (1e6 * c / n for _, c in (json_t, xlsx_t, write_t))
                print(
                    f"{kind:<5} {n:>6} | {cells} | {json_us:>11.0f} {xlsx_us:>6.0f} {write_us:>6.0f} | "
                    f"{xlsx_t[0] / json_t[0]:4.2f} ({xlsx_t[1] / json_t[1]:4.2f})   {len(findings)} findings",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
