"""The pages in a real browser (Playwright driving Debian's chromium) against a live server.

Skipped only when /usr/bin/chromium is absent and this is not CI; on CI (CI=true) a missing
browser or Playwright fails the run instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import SEED
from web_server import CHROMIUM, CHROMIUM_ARGS, live_server

pytestmark = pytest.mark.slow  # a real browser against a live server (and one page trains a model)
ON_CI = os.environ.get("CI", "").lower() == "true"

if not Path(CHROMIUM).exists() and not ON_CI:
    pytest.skip(
        f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True
    )
if not ON_CI:
    pytest.importorskip("playwright")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("browser-data")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_upload_the_seed_and_see_its_findings(page, server):
    page.goto(f"{server}/review")
    page.set_input_files("#review-file", str(SEED))
    page.click("button[type=submit]")
    page.wait_for_selector("article.file")
    assert "75 条指标" in page.inner_text("article.file h2")
    assert page.locator(".finding.sev-warning").count() >= 10
    assert "天河商圈打造工作经费" in page.inner_text("main")
    # filter: only 提示 (info) findings, only rows with findings
    page.uncheck("input[name=sev][value=warning]")
    page.uncheck("input[name=sev][value=error]")
    page.check("input[name=only]")
    assert page.locator(".finding.sev-warning:visible").count() == 0
    assert page.locator(".finding.sev-info:visible").count() > 0
    page.select_option("select[name=rule]", "target.vague")
    assert page.locator(".finding:visible").count() == 0  # target.vague is a warning, hidden above
    page.check("input[name=sev][value=warning]")
    assert page.locator(".finding:visible").count() > 0
    assert all(t == "target.vague" for t in page.locator(".finding:visible code").all_inner_texts())


def test_download_the_annotated_workbook_and_read_it_back(page, server, tmp_path):
    from openpyxl import load_workbook

    page.goto(f"{server}/review")
    page.set_input_files("#review-file", str(SEED))
    page.click("button[type=submit]")
    page.wait_for_selector("article.file")
    with page.expect_download() as d:
        page.click("text=下载审核工作簿")
    out = tmp_path / "wb.xlsx"
    d.value.save_as(out)
    wb = load_workbook(out)
    assert "问题清单" in wb.sheetnames
    rows = list(wb["问题清单"].iter_rows(values_only=True))
    assert len(rows) > 20 and any("指标值不可考核" in str(r) for r in rows)  # the rule's Chinese name
    with page.expect_download() as d:
        page.click("text=下载编码后的文件")
    assert d.value.suggested_filename.endswith(".coded.txt")


def test_the_upload_box_refuses_files_over_the_limit_before_sending(page, server):
    requests = []
    page.goto(f"{server}/review")
    page.on("request", lambda r: requests.append(r.method))
    big = {"name": "大表.xlsx", "mimeType": "application/octet-stream", "buffer": b"x" * (21 << 20)}
    page.set_input_files("#review-file", files=[big])
    warning = page.locator("#review-form .too-big")
    assert warning.is_visible()
    assert (
        warning.inner_text()
        == "所选文件合计 21.0 MB,超过每次 20 MB 的上限,不能上传。请把表格拆成几个文件,分几次上传。"
    )
    page.click("#review-form button[type=submit]")
    page.wait_for_timeout(300)
    assert "POST" not in requests and page.locator("article.file").count() == 0
    page.set_input_files("#review-file", str(SEED))  # within the limit: the warning goes, the upload works
    assert not warning.is_visible()
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("article.file")


def test_typing_a_draft_updates_suggestion_and_precedents(page, server):
    page.goto(f"{server}/write")
    page.locator("#indicator").press_sequentially("资金支付及时率", delay=20)
    page.wait_for_function(
        "document.querySelector('#suggestion') && "
        "document.querySelector('#suggestion').textContent.includes('时效')"
    )
    assert page.locator("#hits tbody tr").count() >= 3
    assert page.locator("svg.chart rect").count() >= 1
    page.fill("#indicator", "")
    page.locator("#indicator").press_sequentially("群众满意度", delay=20)
    # Emptying the field shows the hint panel (no #suggestion) until the next answer arrives.
    page.wait_for_function(
        "document.querySelector('#suggestion') && "
        "document.querySelector('#suggestion').textContent.includes('满意度')"
    )
    page.locator("#target").press_sequentially("≥90%", delay=20)
    page.wait_for_function("location.search.includes('target=')")


def test_escaped_text_shows_as_text(page, server):
    page.goto(f"{server}/write")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.fill("#indicator", "<script>alert(1)</script>")
    page.wait_for_function(
        "document.querySelector('#panel').textContent.includes('<script>alert(1)</script>')"
    )
    assert dialogs == []


def test_search_page(page, server):
    page.goto(f"{server}/search")
    page.fill("input[name=q]", "满意度")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results tbody tr")
    assert "满意" in page.inner_text("#results tbody tr:first-child")


def test_model_page_trains_on_a_small_table(page, server, tmp_path):
    csv = tmp_path / "我局2023.csv"
    csv.write_text(
        "\n".join(
            [
                "项目名称,一级指标,二级指标,三级指标,年度指标值",
                "培训项目,产出指标,数量指标,培训企业数量,≥50家",
                "培训项目,产出指标,质量指标,培训合格率,≥95%",
                "培训项目,效益指标,社会效益指标,企业合规意识提升率,≥80%",
                "培训项目,满意度指标,服务对象满意度指标,参训企业满意度,≥90%",
                "展会项目,产出指标,数量指标,举办展会场次,≥3场",
                "展会项目,效益指标,经济效益指标,带动销售额,≥1亿元",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    page.goto(f"{server}/models")
    page.set_input_files("#train-file", str(csv))
    page.click("#train-form button[type=submit]")
    page.wait_for_selector("#job")
    page.wait_for_selector("#figures", timeout=120_000)
    assert "二级准确率" in page.inner_text("#figures")
    page.check("input[name=model][value=local]")
    page.click("text=在各页面使用所选模型")
    page.wait_for_selector(".model-badge:has-text('本单位模型')")
    page.goto(f"{server}/write?indicator=培训企业数量")
    assert "11-数量指标" in page.inner_text("#panel")
