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

Run: ``.venv/bin/python benchmarks/bench_check.py``
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicatorml.checks import DEFAULT_LABEL_RULE, LabelRule  # noqa: E402
from indicatorml.coding import cross_val_predict_proba, is_handwritten, load_labeled  # noqa: E402
from indicatorml.tables import read_table  # noqa: E402
from indicatorml.taxonomy import canonical_level2, parent  # noqa: E402

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
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
