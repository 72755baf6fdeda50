"""segment.clean_indicator: publisher noise stripped, wherever a ★ stands."""

from __future__ import annotations

import pytest

from indicatorml.segment import clean_indicator


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("★指标7.服务对象满意度（%）", "服务对象满意度(%)"),
        ("☆ 指标1：资金拨付及时率", "资金拨付及时率"),
        ("指标7.服务对象满意度★", "服务对象满意度"),
        ("3、培训人次(≥**%)", "培训人次"),
        ("新增知名品牌数（个）", "新增知名品牌数(个)"),
    ],
)
def test_clean_indicator(text: str, clean: str) -> None:
    assert clean_indicator(text) == clean
