"""How close is each hand-written example to a real row? Character-trigram Jaccard overlap.

Why: ``data/handwritten/examples.tsv`` is training data written by a developer who had read the
real rows. To keep test wording out of training, every hand-written indicator text is compared
with every real indicator text (the corpus and the seed table, as ``tables.read_table`` reads
them); a hand-written row at or above THRESHOLD is to be reworded. See data/README.md.

Overlap of two texts = |A ∩ B| / |A ∪ B| over their sets of character trigrams (NFKC, spaces
removed; a text shorter than three characters is its own single gram).

Run: python scripts/check_handwritten_overlap.py [--top N] [REAL_FILE ...]
Prints the highest overlaps and exits 1 if any is at or above THRESHOLD.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import unicodedata

from indicatorml.tables import read_table

ROOT = pathlib.Path(__file__).resolve().parents[1]
HANDWRITTEN = ROOT / "data" / "handwritten" / "examples.tsv"
REAL = [
    ROOT / "data" / "corpus" / "public_indicators.tsv",
    ROOT / "data" / "seed" / "000_fc0049aa6689bdbf.txt",
]
THRESHOLD = 0.4


def grams(text: str) -> frozenset[str]:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if len(s) < 3:
        return frozenset([s]) if s else frozenset()
    return frozenset(s[i : i + 3] for i in range(len(s) - 2))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "real", nargs="*", type=pathlib.Path, default=REAL, help="real tables (default: corpus + seed)"
    )
    ap.add_argument("--top", type=int, default=10, help="how many of the closest pairs to print")
    args = ap.parse_args(argv)

    real = []
    for path in args.real:
        t = read_table(path)
        if t.problems:
            print(f"{path}: {len(t.problems)} problems reading it", file=sys.stderr)
        real.extend((r.indicator, r.source) for r in t.records)
    hand = read_table(HANDWRITTEN)
    real_grams = [(text, src, grams(text)) for text, src in real]
    best = []
    for r in hand.records:
        g = grams(r.indicator)
        score, text, src = max(((jaccard(g, rg), t, s) for t, s, rg in real_grams), key=lambda x: x[0])
        best.append((score, r.indicator, r.source, text, src))
    best.sort(key=lambda x: -x[0])
    print(
        f"{len(hand.records)} hand-written rows against {len(real)} real rows "
        f"({', '.join(p.name for p in args.real)})"
    )
    for score, text, src, rtext, rsrc in best[: args.top]:
        print(f"{score:.2f}  {text}  ({src.rsplit('/', 1)[-1]})  ~  {rtext}  ({rsrc.rsplit('/', 1)[-1]})")
    over = [b for b in best if b[0] >= THRESHOLD]
    print(f"highest overlap {best[0][0]:.2f}; {len(over)} at or above {THRESHOLD}" if best else "no rows")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
