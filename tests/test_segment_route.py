"""segment's fast route must give exactly jieba's ``cut(HMM=False)`` answers on our dictionary."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indicatorml import segment
from indicatorml.coding import load_labeled

_ALPHABET = st.sampled_from(
    list("服务企业数量满意度及时率合格验收培训人次成本控制万元年月日")
    + list("abcXYZ0123456789 .%-_+#&，。、；：()（）≥≤*★\t\n²½")
    + ["\u3000", "é", "ア", "鿖", "_"]
)


def _jieba(text: str) -> tuple[str, ...]:
    return tuple(
        w for w in segment.tokenizer().cut(text, HMM=False) if w.strip() and not segment._NON_WORD.match(w)
    )


def test_route_equals_jieba_on_every_shipped_text():
    records, _ = load_labeled(stream=None)
    texts = {segment.normalize(t) for r in records for t in (r.indicator, r.target, r.project, r.goal) if t}
    assert len(texts) > 800
    route = segment._route()
    for t in texts:
        assert tuple(route.words(t)) == _jieba(t), t
        assert [w for w in route.cut(t) if w.strip() and not segment._NON_WORD.match(w)] == route.words(t)


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=40))
def test_route_equals_jieba_on_random_text(text):
    assert segment._cut.__wrapped__(text) == _jieba(text)
