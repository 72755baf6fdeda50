"""Pausing the cyclic garbage collector while a review's rows become objects, or JSON.

Why: a 2,000-row review is some 100,000 small dicts, lists and dataclasses with no cycles among
them; the collector scanning them again and again made ``load_review`` take 120–410 ms instead
of a steady ~105 ms, and ``review_json`` 57 ms at the median but 113 ms at p95 instead of 56 ms
(measured with benchmarks/bench_reviews.py's 100-file review). Reference counting frees
everything as usual; the collector runs again at the next allocation threshold after the block.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["no_gc"]


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The block runs with the cyclic collector off (back on after it, if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
