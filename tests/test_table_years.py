"""Every stored table knows its year and department: from its name, its title rows, its header
block or the seed's 部门名称 line (issue 17, item 1)."""

from __future__ import annotations

import shutil

from indicatorml.reviews import file_org, file_year, run_review
from indicatorml.reviews.metadata import title_lines
from indicatorml.table_json import table_from_dict, table_to_dict
from indicatorml.tables import read_table

from helpers import SEED, WORKBOOKS


def test_a_forms_title_rows_are_kept_and_survive_json():
    t = read_table(str(WORKBOOKS / "自评表.docx"))
    assert t.titles[:2] == ["项目支出绩效自评表", "（2024年度）"]
    assert table_from_dict(table_to_dict(t)).titles == t.titles


def test_a_table_stored_before_titles_were_kept_reads_back_with_none():
    d = table_to_dict(read_table(str(WORKBOOKS / "自评表.docx")))
    del d["titles"]
    assert table_from_dict(d).titles == []


def test_the_year_comes_from_the_title_when_the_name_has_none(tmp_path):
    plain = tmp_path / "申报表.xlsx"
    shutil.copyfile(WORKBOOKS / "实施周期和年度指标值.xlsx", plain)
    t = read_table(str(plain))
    # its header block names 「2018年市级专项扶贫资金」: a project, not the budget year
    assert any("2018年" in line for line in t.preamble)
    assert file_year(plain.name, t) == 2024
    assert file_year("2025年申报表.xlsx", t) == 2025  # the reviewer's own name comes first


def test_the_seed_says_its_department_in_its_title_lines_only():
    t = read_table(str(SEED))
    assert "部门名称：广州市天河区商务和金融工作局" in title_lines(t)
    assert all("org" not in r.extra for r in t.records)
    assert file_org(t) == "广州市天河区商务和金融工作局"
    assert file_year(SEED.name, t) is None  # nothing in the seed names its year (2024, per data/README)
    review = run_review([SEED], year=2024, labels=False)
    assert (review.year, review.org) == (2024, "广州市天河区商务和金融工作局")
