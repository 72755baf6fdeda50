"""Injected-error benchmark of the label rule (``indicatorml check``, rule ``label.improbable``).

What it measures: how well the label rule finds indicators filed under a wrong category, on
tables the model never saw. Method:

1. Out-of-fold probabilities for the 627 real corpus indicators, grouped by source page
   (``cross_val_predict_proba``, 5 folds): every row is scored by a model that never saw its page.
   As for the shipped model, the hand-written examples join every training fold (never scored).
2. Pages are split into two halves (by page, fixed seed). The rule's parameters are tuned on
   one half and measured on the other, then the halves swap; the figures pool both measured
   halves. Tuning and measuring also use different injection seeds. So no figure comes from
   a row, or an injection, that the parameters were chosen on.
3. In each repetition, 12% of the measured rows are moved to a wrong category: half to another
   level-1 family (产出 / 效益 / 满意度), half within their family (e.g. 数量→质量; only families
   with more than one category). Fixed RNG seeds, 20 repetitions.
4. Recall on moved rows per move kind; precision over all label flags (a flag on an untouched
   row counts as false, though the untouched labels are the publishers' own and sometimes wrong:
   a sample of those flags is printed for a human to judge).
5. The naive rule "flag when the model gives the given category under 10%" on the same data.
6. Every rule, not only the label rule (issue 16): the whole ``check_table`` on the corpus as
   published and on the injected tables (the test seeds, all pages; the label rule reads the
   same out-of-fold probabilities through ``scores=``, with its shipped parameters): findings per
   100 indicators by rule, and how many moved rows get a finding on their category from any rule
   (the label rule, or a placement rule that reads the wording) — no parameter is tuned here.

Run: ``.venv/bin/python benchmarks/bench_check.py``
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicatorml.checks import DEFAULT_LABEL_RULE, LabelRule, check_table  # noqa: E402
from indicatorml.coding import RowScores, cross_val_predict_proba, is_handwritten, load_labeled  # noqa: E402
from indicatorml.coding.predict import fill_predictions, prepare  # noqa: E402
from indicatorml.records import Table  # noqa: E402
from indicatorml.tables import read_table  # noqa: E402
from indicatorml.taxonomy import by_code, canonical_level2, code_label, parent  # noqa: E402

CORPUS = ROOT / "data" / "corpus" / "public_indicators.tsv"
SHARE = 0.12  # share of rows moved per repetition (half across families, half within)
REPS = 20
TEST_SEEDS = range(REPS)
TUNE_SEEDS = range(1000, 1000 + REPS)
SPLIT_SEED = 20240607
GOALS = {"across": 0.95, "within": 0.80, "precision": 0.80}
# Precision depends on how many rows are wrong: the same rule on a table with more moved rows
# has more true flags per false one. The naive figures (about 0.88/0.85/0.70) are
# "on such a test" without a share; this table shows which share they correspond to.
SHARES = (0.10, 0.12, 0.20, 0.33)
CURVE = (0.01, 0.02, 0.05, 0.2)  # the naive rule at other thresholds: its trade-off curve, for reference

GRID_CROSS = (0.02, 0.05, 0.08, 0.10, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
GRID_WITHIN = (0.02, 0.05, 0.08, 0.10, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
GRID_RATIO = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0)


def inject(
    given: np.ndarray,
    fam: np.ndarray,
    fam_of_class: np.ndarray,
    rows: np.ndarray,
    rng: np.random.Generator,
    share: float = SHARE,
) -> tuple[np.ndarray, np.ndarray]:
    """Move ``share`` of ``rows``: returns (new given codes for all rows, move kind per row:
    0 untouched, 1 across families, 2 within the family)."""
    g = given.copy()
    kind = np.zeros(len(given), dtype=int)
    n_move = int(round(share * len(rows)))
    n_within = n_move // 2
    n_across = n_move - n_within
    k = len(fam_of_class)
    family_size = {f: int((fam_of_class == f).sum()) for f in set(fam_of_class.tolist())}
    can_within = np.array([r for r in rows if family_size[fam[r]] > 1])
    within = rng.choice(can_within, size=n_within, replace=False)
    rest = np.setdiff1d(rows, within)
    across = rng.choice(rest, size=n_across, replace=False)
    for r in within:
        options = [c for c in range(k) if fam_of_class[c] == fam[r] and c != given[r]]
        g[r] = rng.choice(options)
        kind[r] = 2
    for r in across:
        options = [c for c in range(k) if fam_of_class[c] != fam[r]]
        g[r] = rng.choice(options)
        kind[r] = 1
    return g, kind


def rule_inputs(proba: np.ndarray, g: np.ndarray, fam_of_class: np.ndarray):
    """p(given), p(best other), whether the best other is in the given's family."""
    idx = np.arange(len(g))
    p_given = proba[idx, g]
    p2 = proba.copy()
    p2[idx, g] = -1.0
    best = p2.argmax(axis=1)
    return p_given, proba[idx, best], fam_of_class[best] == fam_of_class[g], best


def apply(rule: LabelRule, p_given, p_best, same) -> np.ndarray:
    """Vectorised :meth:`LabelRule.flags` (the benchmark checks they agree)."""
    limit = np.where(same, rule.max_given_within, rule.max_given_cross)
    return (p_given < limit) & (p_best >= rule.min_ratio * np.maximum(p_given, 1e-9))


def naive(p_given, p_best, same) -> np.ndarray:
    return p_given < 0.10


def injections(proba, given, fam, fam_of_class, rows, seeds, share=SHARE):
    """Per seed: (move kind per row, p(given), p(best other), same family, best other) restricted
    to ``rows``. Computed once; every rule is then evaluated on the same injected tables."""
    out = []
    for s in seeds:
        g, kind = inject(given, fam, fam_of_class, rows, np.random.default_rng(s), share)
        p_given, p_best, same, best = rule_inputs(proba, g, fam_of_class)
        out.append((kind[rows], p_given[rows], p_best[rows], same[rows], best[rows], rows))
    return out


def measure(flagger, injected):
    """Pooled counts over repetitions: moved/caught per kind, flags, true flags."""
    c = {"across": [0, 0], "within": [0, 0], "flags": 0, "true": 0, "untouched_flags": set()}
    for kind, p_given, p_best, same, best, rows in injected:
        f = flagger(p_given, p_best, same)
        for name, k in (("across", 1), ("within", 2)):
            m = kind == k
            c[name][0] += int(m.sum())
            c[name][1] += int((f & m).sum())
        c["flags"] += int(f.sum())
        c["true"] += int((f & (kind > 0)).sum())
        for j in np.flatnonzero(f & (kind == 0)):
            c["untouched_flags"].add((int(rows[j]), int(best[j])))
    return c


def figures(c) -> dict[str, float]:
    return {
        "across": c["across"][1] / max(c["across"][0], 1),
        "within": c["within"][1] / max(c["within"][0], 1),
        "precision": c["true"] / max(c["flags"], 1),
    }


def score(fig: dict[str, float]) -> float:
    """Tuning objective: the worst of the three figures relative to its goal (all goals at once)."""
    return min(fig[k] / GOALS[k] for k in GOALS)


def tune(injected) -> tuple[LabelRule, dict[str, float]]:
    best = None
    for c, w, r in itertools.product(GRID_CROSS, GRID_WITHIN, GRID_RATIO):
        rule = LabelRule(c, w, r)
        fig = figures(measure(lambda a, b, s, rule=rule: apply(rule, a, b, s), injected))
        key = (round(score(fig), 4), round(fig["precision"], 4))
        if best is None or key > best[0]:
            best = (key, rule, fig)
    assert best is not None
    return best[1], best[2]


def add(a, b):
    out = {
        k: ([x + y for x, y in zip(a[k], b[k], strict=True)] if isinstance(a[k], list) else a[k] + b[k])
        for k in ("across", "within", "flags", "true")
    }
    out["untouched_flags"] = a["untouched_flags"] | b["untouched_flags"]
    return out


class _Scored:
    """What ``check_table`` needs of a model when the row scores are given: its classes (the
    label rule reads ``scores``; no fold models, no file hashes; no words behind a finding)."""

    def __init__(self, classes: list[str]) -> None:
        self.classes_ = np.array(classes)


def row_scores(records, proba: np.ndarray, classes: list[str]) -> RowScores:
    """The out-of-fold probabilities as the one scorer's RowScores (suggestions by the model's rule)."""
    out, usable_idx, _, _ = prepare(records)
    p = proba[usable_idx]
    fill_predictions(
        out, usable_idx, p, np.ones(len(usable_idx), dtype=bool), np.array(classes), "sum", 3, "pre2021"
    )
    usable = np.zeros(len(records), dtype=bool)
    usable[usable_idx] = True
    full = np.zeros_like(proba)
    full[usable_idx] = p
    return RowScores(tuple(classes), full, np.ones(len(records), dtype=bool), usable, out)


def moved_table(records, new_given: np.ndarray, classes: list[str]) -> Table:
    """The corpus with row i filed under ``classes[new_given[i]]`` where that differs from its own."""
    out = []
    for r, k in zip(records, new_given, strict=True):
        code = classes[k]
        if code == canonical_level2(r.level2_code):
            out.append(r)
            continue
        cat, l1 = by_code(code), parent(code)
        out.append(
            dataclasses.replace(
                r,
                level2_code=code,
                level2=cat.name,
                level2_raw=code_label(code),
                level1_code=l1.code,
                level1=l1.name,
                level1_raw=code_label(l1.code),
            )
        )
    return Table(str(CORPUS), "tsv", out)


CATEGORY_KINDS = ("label", "placement")  # findings about the category a row is filed under


def all_rules(records, proba: np.ndarray, classes: list[str], given, fam, fam_of_class) -> None:
    """Section 6: every rule over the corpus as published and over the injected tables."""
    model = _Scored(classes)
    scores = row_scores(records, proba, classes)
    n = len(records)
    base = check_table(Table(str(CORPUS), "tsv", list(records)), model, scores=scores)
    per_rule: dict[str, list[float]] = {}
    caught = {"across": [0, 0, 0], "within": [0, 0, 0]}  # moved, by the label rule, by any category rule
    untouched_flags = [0, 0]  # category findings on untouched rows: label rule, any
    rows_all = np.arange(n)
    for s in TEST_SEEDS:
        g, kind = inject(given, fam, fam_of_class, rows_all, np.random.default_rng(s))
        findings = check_table(moved_table(records, g, classes), model, scores=scores)
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.rule] = counts.get(f.rule, 0) + 1
        for rule in set(counts) | set(per_rule):
            per_rule.setdefault(rule, []).append(100 * counts.get(rule, 0) / n)
        label_rows = {f.row for f in findings if f.rule == "label.improbable"}
        any_rows = {f.row for f in findings if f.kind in CATEGORY_KINDS}
        for name, k in (("across", 1), ("within", 2)):
            moved = np.flatnonzero(kind == k)
            caught[name][0] += len(moved)
            caught[name][1] += sum(int(i) in label_rows for i in moved)
            caught[name][2] += sum(int(i) in any_rows for i in moved)
        untouched = set(np.flatnonzero(kind == 0).tolist())
        untouched_flags[0] += len(label_rows & untouched)
        untouched_flags[1] += len(any_rows & untouched)
    base_counts: dict[str, int] = {}
    for f in base:
        base_counts[f.rule] = base_counts.get(f.rule, 0) + 1
    print(
        f"\nall rules (check_table; label rule = DEFAULT_LABEL_RULE on the out-of-fold scores), {n} indicators:"
    )
    print(f"{'rule':36} {'as published':>13} {'injected (mean)':>16}   per 100 indicators")
    for rule in sorted(set(base_counts) | set(per_rule), key=lambda r: -base_counts.get(r, 0)):
        inj = per_rule.get(rule, [])
        mean = sum(inj) / len(TEST_SEEDS) if inj else 0.0
        print(f"{rule:36} {100 * base_counts.get(rule, 0) / n:>13.1f} {mean:>16.1f}")
    print(
        f"{'all findings':36} {100 * len(base) / n:>13.1f} {sum(sum(v) for v in per_rule.values()) / len(TEST_SEEDS):>16.1f}"
    )
    for name in ("across", "within"):
        moved, by_label, by_any = caught[name]
        print(
            f"moved {name}: {moved} rows over {len(TEST_SEEDS)} repetitions; a category finding on the row: "
            f"label rule {by_label / moved:.3f}, label or placement {by_any / moved:.3f}"
        )
    total_moved = caught["across"][0] + caught["within"][0]
    tl = caught["across"][1] + caught["within"][1]
    ta = caught["across"][2] + caught["within"][2]
    print(
        f"precision of category findings (share on moved rows): label rule {tl / (tl + untouched_flags[0]):.3f}, "
        f"label or placement {ta / (ta + untouched_flags[1]):.3f} ({total_moved} moved rows)"
    )


def main() -> int:
    t0 = time.perf_counter()
    table = read_table(str(CORPUS))
    records = [r for r in table.records if r.level2_code and (r.indicator or "").strip()]
    hand = [r for r in load_labeled(stream=None, handwritten=True)[0] if is_handwritten(r)]
    proba, classes = cross_val_predict_proba(records, n_splits=5, seed=0, train_only=hand)
    proba = np.asarray(proba, dtype=float)
    classes = [str(c) for c in classes]
    cidx = {c: k for k, c in enumerate(classes)}
    given = np.array([cidx[canonical_level2(r.level2_code)] for r in records])
    fam_of_class = np.array([parent(c).code for c in classes])
    fam = fam_of_class[given]
    groups = sorted({r.group for r in records})
    rng = np.random.default_rng(SPLIT_SEED)
    order = rng.permutation(len(groups))
    half_of = {groups[j]: k % 2 for k, j in enumerate(order)}
    halves = [np.array([i for i, r in enumerate(records) if half_of[r.group] == h]) for h in (0, 1)]
    print(
        f"corpus: {len(records)} labeled indicators, {len(groups)} pages; halves: "
        f"{len(halves[0])} / {len(halves[1])} rows; out-of-fold accuracy "
        f"{(proba.argmax(1) == given).mean():.3f}"
    )
    print(
        f"injection: {SHARE:.0%} of rows moved per repetition (half across families, half within), "
        f"{REPS} repetitions; tuning seeds {TUNE_SEEDS.start}-{TUNE_SEEDS.stop - 1} on the other half, "
        f"test seeds {TEST_SEEDS.start}-{TEST_SEEDS.stop - 1}"
    )

    # The rule's vectorised form must agree with LabelRule.flags, which check.py uses.
    pg, pb, sm, _ = rule_inputs(proba, given, fam_of_class)
    for rule in (DEFAULT_LABEL_RULE, LabelRule(0.3, 0.1, 2.0)):
        vec = apply(rule, pg, pb, sm)
        one = np.array([rule.flags(float(a), float(b), bool(s)) for a, b, s in zip(pg, pb, sm, strict=True)])
        assert (vec == one).all(), "vectorised rule disagrees with LabelRule.flags"

    tuned_total = None
    naive_total = None
    curve: dict[float, dict] = {}
    for test in (0, 1):
        tune_rows, test_rows = halves[1 - test], halves[test]
        rule, tfig = tune(injections(proba, given, fam, fam_of_class, tune_rows, TUNE_SEEDS))
        test_inj = injections(proba, given, fam, fam_of_class, test_rows, TEST_SEEDS)
        c = measure(lambda a, b, s, rule=rule: apply(rule, a, b, s), test_inj)
        n = measure(naive, test_inj)
        f, nf = figures(c), figures(n)
        print(
            f"half {test}: rule tuned on half {1 - test}: {rule} (tuning figures "
            f"{tfig['across']:.3f}/{tfig['within']:.3f}/{tfig['precision']:.3f}); measured on half {test}: "
            f"tuned {f['across']:.3f}/{f['within']:.3f}/{f['precision']:.3f}, "
            f"naive {nf['across']:.3f}/{nf['within']:.3f}/{nf['precision']:.3f}"
        )
        for t in CURVE:
            ct = measure(lambda a, b, s, t=t: a < t, test_inj)
            curve[t] = ct if t not in curve else add(curve[t], ct)
        tuned_total = c if tuned_total is None else add(tuned_total, c)
        naive_total = n if naive_total is None else add(naive_total, n)

    f, nf = figures(tuned_total), figures(naive_total)
    print()
    print(f"{'rule':34} {'recall across':>14} {'recall within':>14} {'precision':>10} {'flags':>6}")
    print(f"{'goal':34} {GOALS['across']:>14.2f} {GOALS['within']:>14.2f} {GOALS['precision']:>10.2f}")
    print(
        f"{'naive: p(given) < 0.10':34} {nf['across']:>14.3f} {nf['within']:>14.3f} "
        f"{nf['precision']:>10.3f} {naive_total['flags']:>6}"
    )
    print(
        f"{'tuned (cross-fitted by page half)':34} {f['across']:>14.3f} {f['within']:>14.3f} "
        f"{f['precision']:>10.3f} {tuned_total['flags']:>6}"
    )
    for t in CURVE:
        cf = figures(curve[t])
        print(
            f"{'  (curve) p(given) < ' + str(t):34} {cf['across']:>14.3f} {cf['within']:>14.3f} "
            f"{cf['precision']:>10.3f} {curve[t]['flags']:>6}"
        )
    beats = all(f[k] > nf[k] for k in GOALS)
    meets = all(f[k] >= GOALS[k] for k in GOALS)
    print(
        f"moved rows measured: across {tuned_total['across'][0]}, within {tuned_total['within'][0]}; "
        f"beats naive on all three: {beats}; meets all goals: {meets}"
    )

    print(
        "\nby moved share (same protocol: rule cross-fitted by page half at that share; "
        "across/within/precision):"
    )
    print(
        f"{'share':>6} {'naive p(given) < 0.10':>24} {'tuned (cross-fitted)':>24} {'DEFAULT_LABEL_RULE':>24}"
    )
    for share in SHARES:
        tot = {"naive": None, "tuned": None, "default": None}
        for test in (0, 1):
            rule, _ = tune(injections(proba, given, fam, fam_of_class, halves[1 - test], TUNE_SEEDS, share))
            test_inj = injections(proba, given, fam, fam_of_class, halves[test], TEST_SEEDS, share)
            for name, flagger in (
                ("naive", naive),
                ("tuned", lambda a, b, s, rule=rule: apply(rule, a, b, s)),
                ("default", lambda a, b, s: apply(DEFAULT_LABEL_RULE, a, b, s)),
            ):
                c = measure(flagger, test_inj)
                tot[name] = c if tot[name] is None else add(tot[name], c)
        cells = []
        for name in ("naive", "tuned", "default"):
            x = figures(tot[name])
            cells.append(f"{x['across']:.3f}/{x['within']:.3f}/{x['precision']:.3f}")
        print(f"{share:>6.0%} " + " ".join(f"{c:>24}" for c in cells))

    shipped, sfig = tune(injections(proba, given, fam, fam_of_class, np.arange(len(records)), TUNE_SEEDS))
    print(
        f"\nshipped rule = tuned on all pages with the tuning seeds: {shipped}; "
        f"check.DEFAULT_LABEL_RULE = {DEFAULT_LABEL_RULE} "
        f"({'same' if shipped == DEFAULT_LABEL_RULE else 'DIFFERENT: update check.py'})"
    )

    # Flags on untouched rows under the shipped rule (no injection): the "false" flags a
    # reviewer would see on the corpus as published. Some are publishers' labelling errors.
    pg, pb, sm, best = rule_inputs(proba, given, fam_of_class)
    flags = np.flatnonzero(apply(DEFAULT_LABEL_RULE, pg, pb, sm))
    print(
        f"\nflags on the untouched corpus with DEFAULT_LABEL_RULE: {len(flags)} of {len(records)} rows "
        f"(a sample of 20, out-of-fold probabilities):"
    )
    for i in sorted(flags[np.random.default_rng(0).permutation(len(flags))[:20]]):
        r = records[i]
        print(
            f"  {r.indicator[:28]:<28} | {str(r.target or '')[:14]:<14} | given {classes[given[i]]} "
            f"p={pg[i]:.2f} -> {classes[best[i]]} p={pb[i]:.2f}"
        )
    all_rules(records, proba, classes, given, fam, fam_of_class)
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
