"""The category table and the label normalizer, pinned against the spellings real tables use."""

from __future__ import annotations

import pytest

from indicatorml.taxonomy import (
    CATEGORIES,
    UnknownLabel,
    by_code,
    canonical_level2,
    category_rows,
    code_conflict,
    code_label,
    normalize_label,
    normalize_level1,
    parent,
    to_layout,
)

from helpers import CORPUS, corpus_rows


def test_table_codes_names_parents() -> None:
    table = {c.code: (c.name, c.level, c.parent, c.layout) for c in CATEGORIES}
    assert table == {
        "1": ("产出指标", 1, None, "both"),
        "11": ("数量指标", 2, "1", "both"),
        "12": ("质量指标", 2, "1", "both"),
        "13": ("时效指标", 2, "1", "both"),
        "14": ("成本指标", 2, "1", "pre2021"),
        "2": ("效益指标", 1, None, "both"),
        "21": ("经济效益指标", 2, "2", "both"),
        "22": ("社会效益指标", 2, "2", "both"),
        "23": ("生态效益指标", 2, "2", "both"),
        "24": ("可持续影响指标", 2, "2", "both"),
        "3": ("满意度指标", 1, None, "both"),
        "31": ("服务对象满意度指标", 2, "3", "both"),
        "4": ("成本指标", 1, None, "2021"),
        "41": ("经济成本指标", 2, "4", "2021"),
        "42": ("社会成本指标", 2, "4", "2021"),
        "43": ("生态环境成本指标", 2, "4", "2021"),
    }
    assert by_code("11").label == "11-数量指标"
    assert parent("24").code == "2" and parent("3").code == "3"
    with pytest.raises(KeyError, match="'99'"):
        by_code("99")


# Every spelling listed in TAXONOMY.md ("Labels as people write them") and in issue 2.
SPELLINGS = {
    "社会效益 指标": "22",
    "社会效益": "22",
    "社会效益值": "22",
    "数量": "11",
    "数量值": "11",
    "产出数量": "11",
    "产出指标-数量指标": "11",
    "数量指标 (必填硬性指标)": "11",
    "质量指标(必填)": "12",
    "时效指标(5分)": "13",
    "成本指标(10分)": "14",
    "时效性指标": "13",
    "时效指标(工期指标)": "13",
    "数量指标(或建筑规模指标)": "11",
    "可持续性": "24",
    "可持续性发展影响指标": "24",
    "可持续影 响指标": "24",
    "环境效益指标": "23",
    "进度指标": "13",
    "满意度": "31",
    "满意度指标": "31",
    "服务对象满意度": "31",
    "服务对象 满意度指 标": "31",
    "社会公众或服务对象满意度指标": "31",
    "服务对象或受益者满意度指标": "31",
    "11-数量指标": "11",
    "11": "11",
    "22-社会效益": "22",
    "24-可持续影响": "24",
    "31-服务对象满意度": "31",
    "数量指标（必填）": "11",
    "１２－质量指标": "12",
    "11 数量指标": "11",
    "经济成本指标": "41",
    "社会成本指标": "42",
    "生态环境成本指标": "43",
    "服务对象满意度指标等": "31",
}


@pytest.mark.parametrize("label,code", sorted(SPELLINGS.items()))
def test_every_listed_spelling_maps(label: str, code: str) -> None:
    assert normalize_label(label).code == code


def test_every_corpus_level2_raw_maps_to_its_level2_name() -> None:
    rows = corpus_rows()
    assert len(rows) == len(CORPUS.read_text(encoding="utf-8").splitlines()) - 1  # one row a line
    pairs = {(r["level2_raw"], r["level2"]) for r in rows}
    assert len({raw for raw, _ in pairs}) >= 45  # distinct printed spellings in the corpus (45 at writing)
    wrong = [
        (raw, name, normalize_label(raw).name) for raw, name in pairs if normalize_label(raw).name != name
    ]
    assert wrong == []
    for _raw, name in pairs:  # the normalized names themselves map too
        assert normalize_label(name).name == name
    for level1 in {r["level1"] for r in rows}:
        assert normalize_level1(level1).name == level1


@pytest.mark.parametrize(
    "label,code",
    [
        ("1-产出指标", "1"),
        ("产出指标", "1"),
        ("1", "1"),
        ("2-效益指标", "2"),
        ("效益指标", "2"),
        ("效果指标", "2"),
        ("3-满意度指标", "3"),
        ("满意度", "3"),
        ("成本指标", "4"),
        ("4", "4"),
        ("产出指标（必填）", "1"),
        ("1 产出指标", "1"),
    ],
)
def test_level1_spellings(label: str, code: str) -> None:
    assert normalize_level1(label).code == code


@pytest.mark.parametrize("label", ["项目管理", "", "   ", "5", "1", "99", "效益指标", "2021年", "<p></p>"])
def test_unknown_level2_label_names_label_and_row(label: str) -> None:
    with pytest.raises(UnknownLabel) as e:
        normalize_label(label, "plan.csv:7")
    assert e.value.label == label
    assert e.value.where == "plan.csv:7"
    assert repr(label) in str(e.value) and "plan.csv:7" in str(e.value)


@pytest.mark.parametrize("label", ["数量指标", "11", "社会效益指标", "11-数量指标", "9"])
def test_unknown_level1_label(label: str) -> None:
    with pytest.raises(UnknownLabel, match="row 3"):
        normalize_level1(label, "row 3")


def test_code_conflict() -> None:
    assert code_conflict("11-质量指标") == ("11", "12")
    assert code_conflict("12 数量指标") == ("12", "11")
    assert code_conflict("2-产出指标") == ("2", "1")
    assert code_conflict("11-数量指标") is None
    assert code_conflict("22-社会效益") is None
    assert code_conflict("数量指标") is None  # no written code, nothing to disagree with
    assert code_conflict("11") is None
    assert code_conflict("11-项目管理") is None  # unknown name: the normalizer reports that, not this
    # normalize_label trusts the name when they disagree.
    assert normalize_label("11-质量指标").code == "12"


def test_cost_layouts() -> None:
    assert (
        canonical_level2("41") == "14" and canonical_level2("43") == "14" and canonical_level2("11") == "11"
    )
    assert to_layout("41", "pre2021").code == "14"
    assert to_layout("14", "2021").code == "41"
    assert to_layout("42", "2021").code == "42"
    assert to_layout("22", "2021").code == "22"
    with pytest.raises(ValueError, match="layout"):
        to_layout("14", "2019")


def test_code_label_is_the_spelling_the_normalizers_read_back() -> None:
    for c in CATEGORIES:
        assert code_label(c.code) == c.label == f"{c.code}-{c.name}"
        back = normalize_level1(c.label) if c.level == 1 else normalize_label(c.label)
        assert back == c and code_conflict(c.label) is None
    assert code_label("11", "数量指标", sep=" ") == "11 数量指标"  # the parse table's spelling
    assert code_label("99") == "99"  # a code no category has: shown as it is, no invented name
    assert code_label(None, "未标注") == "未标注" and code_label("", None) == ""


def test_category_rows() -> None:
    rows = category_rows()
    assert [r["code"] for r in rows] == [c.code for c in CATEGORIES]
    by = {r["code"]: r for r in rows}
    assert by["11"]["name"] == "数量指标" and by["11"]["parent"] == "1-产出指标" and by["11"]["level"] == 2
    assert (
        by["14"]["layout"] == "2021年前" and by["41"]["layout"] == "2021年起" and by["1"]["layout"] == "通用"
    )
    assert by["1"]["parent"] is None
    assert all(r["description"] for r in rows)
