"""The pages in a real browser (Playwright driving Debian's chromium) against a live server.

Skipped only when /usr/bin/chromium is absent and this is not CI; on CI (CI=true) a missing
browser or Playwright fails the run instead.
"""

from __future__ import annotations

import pytest

from indicatorml.checks import rule_name

from helpers import SEED, WORKBOOKS
from web_server import CHROMIUM, CHROMIUM_ARGS, live_server, require_browser

pytestmark = pytest.mark.slow  # a real browser against a live server (and one page trains a model)
require_browser()


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
    """Changed by issues 15/16: the upload lands on the review's own page (/reviews/{id}); the
    rule filter shows Chinese names and keeps the ids in its values and the findings' data-rule
    (no rule id is visible any more, so the last check reads the attribute, not a <code>)."""
    page.goto(f"{server}/review")
    page.set_input_files("#review-file", str(SEED))
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("article.file")
    assert "/reviews/" in page.url
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
    assert page.locator(".finding:visible").count() == 0  # a warning rule, hidden above
    page.check("input[name=sev][value=warning]")
    assert page.locator(".finding:visible").count() > 0
    rules = page.locator(".finding:visible").evaluate_all("els => els.map(e => e.dataset.rule)")
    assert set(rules) == {"target.vague"}
    shown = page.locator("select[name=rule] option[value='target.vague']").inner_text()
    assert shown == rule_name("target.vague") and "target" not in page.inner_text("main")


def test_download_the_annotated_workbook_and_read_it_back(page, server, tmp_path):
    from openpyxl import load_workbook

    page.goto(f"{server}/review")
    page.set_input_files("#review-file", str(SEED))
    page.click("#review-form button[type=submit]")
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


# ---------------------------------------------------------------- issue 15: decisions by keyboard
def test_two_files_a_decision_by_keyboard_and_its_workbook(page, server, tmp_path):
    """Upload two files, decide a red row with the keyboard only (J to the row, C to the category,
    typed code, Enter; E, a comment, Enter), see who and when, and read the 审核意见 back from
    that file's own workbook."""
    from openpyxl import load_workbook

    form = WORKBOOKS / "申报表_三个项目.xlsx"
    page.goto(f"{server}/review")
    page.set_input_files("#review-file", [str(SEED), str(form)])
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("article.file")
    assert page.locator("article.file").count() == 2
    page.check("input[name=only]")  # only rows with findings: J walks through them
    page.locator("#filters input[name=only]").blur()
    first_red = page.locator("tr.row.marked").first
    row_id = first_red.get_attribute("id")
    page.keyboard.press("j")
    for _ in range(200):
        if page.evaluate("document.activeElement.id") == row_id:
            break
        page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == row_id
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.name") == "level2_code"
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    decided = page.locator(f"#{row_id} .decided")
    decided.wait_for(state="visible")
    assert "改为 12-质量指标" in decided.inner_text() and "本机用户" in decided.inner_text()
    page.locator(f"#{row_id}").focus()
    page.keyboard.press("e")
    page.keyboard.type("核对后改为质量指标")
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelector('#{row_id} .decided').textContent.includes('核对后改为质量指标')"
    )
    page.reload()  # stored: the page shows it again after a reload
    assert "核对后改为质量指标" in page.inner_text(f"#{row_id} .decided")
    file_n = row_id.split("-")[1]
    with page.expect_download() as d:
        page.locator(f"#file-{file_n} a:has-text('下载审核工作簿')").click()
    assert d.value.suggested_filename.endswith(".审核.xlsx")
    out = tmp_path / "wb.xlsx"
    d.value.save_as(out)
    ws = load_workbook(out).worksheets[0]
    column = next(c.column for c in ws[1] if c.value == "审核意见")
    opinions = [str(ws.cell(row=r, column=column).value or "") for r in range(2, ws.max_row + 1)]
    assert any("核对后改为质量指标" in o and "12" in o for o in opinions)


def test_a_decision_without_scripts_posts_the_form(browser, server):
    """The page works without JavaScript: the row's buttons are a plain form (token first)."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, java_script_enabled=False)
    pg = ctx.new_page()
    try:
        pg.goto(f"{server}/review")
        pg.set_input_files("#review-file", str(SEED))
        pg.click("#review-form button[type=submit]")
        pg.wait_for_selector("article.file")
        row = pg.locator("tr.row.marked").first
        row_id = row.get_attribute("id")
        row.locator("button[value=keep]").click()
        pg.wait_for_url(f"**#{row_id}")
        assert "保持原类别" in pg.inner_text(f"#{row_id} .decided")
    finally:
        ctx.close()


def test_a_vague_target_gets_its_warning_while_typed(page, server):
    page.goto(f"{server}/write")
    page.locator("#indicator").press_sequentially("服务质量", delay=20)
    page.locator("#target").press_sequentially("明显提高", delay=20)
    page.wait_for_function(
        "document.querySelector('#draft-findings') && "
        "document.querySelector('#draft-findings').textContent.includes('明显提高')"
    )
    warning = page.locator("#draft-findings .finding.sev-warning").first
    assert rule_name("target.vague-wording") in warning.inner_text()
    assert "理由" in page.inner_text("#panel")


def test_search_with_a_filter(page, server):
    page.goto(f"{server}/search")
    page.fill("input[name=q]", "满意度")
    page.select_option("select[name=level2]", "31")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results tbody tr")
    categories = page.locator("#results tbody tr td:nth-child(4)").all_inner_texts()
    assert categories and all(c.startswith("31-") for c in categories)
    assert "level2=31" in page.url
