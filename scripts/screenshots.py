"""Screenshots of each page at 1366×768 into docs/ (docs/screenshot-*.png), for the README.

Run: ``.venv/bin/python scripts/screenshots.py`` (needs /usr/bin/chromium and fonts-noto-cjk).
Starts its own server on 127.0.0.1 with a temporary data folder, so nothing is left behind.
The pages are shown as a reviewer meets them: two files reviewed (a red row decided, with a
comment), the upload page with that review listed, 填报 on a vague draft, 检索 finding the
bureau's own rows first, 本单位模型 after a training job, and the keyboard help.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from web_server import CHROMIUM, CHROMIUM_ARGS, live_server  # noqa: E402

SEED = ROOT / "data" / "seed" / "000_fc0049aa6689bdbf.txt"
FORM = ROOT / "tests" / "fixtures" / "workbooks" / "申报表_三个项目.xlsx"
SMALL = (
    "\n".join(
        [
            "项目名称,一级指标,二级指标,三级指标,年度指标值",
            "培训项目,产出指标,数量指标,培训企业数量,≥50家",
            "培训项目,产出指标,质量指标,培训合格率,≥95%",
            "培训项目,效益指标,社会效益指标,企业合规意识提升率,≥80%",
            "培训项目,满意度指标,服务对象满意度指标,参训企业满意度,≥90%",
        ]
    )
    + "\n"
)


def main() -> None:
    from playwright.sync_api import sync_playwright

    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        upload_dir = Path(tmp) / "uploads"
        upload_dir.mkdir()
        seed = upload_dir / "2024年商务局绩效目标表.txt"
        seed.write_bytes(SEED.read_bytes())

        page.goto(f"{url}/review")
        page.set_input_files("#review-file", [str(seed), str(FORM)])
        page.fill("input[name=year]", "2024")
        page.click("#review-form button[type=submit]")
        page.wait_for_selector("article.file")
        red = page.locator("tr.row.marked").first
        row_id = red.get_attribute("id")
        red.locator("input[name=comment]").fill("次数是数量,同意改为数量指标")
        red.locator("button[value=accept]").click()
        page.wait_for_function(f"document.querySelector('#{row_id} .decided').textContent.length > 0")
        page.evaluate(
            f"window.scrollTo(0, document.getElementById('{row_id}').getBoundingClientRect().top + scrollY - 330)"
        )
        page.screenshot(path=str(docs / "screenshot-review.png"))
        page.evaluate("window.scrollTo(0, 0)")
        page.click("#keys-button")
        page.screenshot(path=str(docs / "screenshot-review-top.png"))

        page.goto(f"{url}/review")
        page.screenshot(path=str(docs / "screenshot-upload.png"))

        page.goto(f"{url}/write")
        page.locator("#indicator").press_sequentially("开展现场检查", delay=10)
        page.locator("#target").press_sequentially("明显提高", delay=10)
        page.wait_for_selector("#draft-findings .finding")
        page.screenshot(path=str(docs / "screenshot-write.png"))

        page.goto(f"{url}/search?q=现场检查次数&kind=indicator")
        page.screenshot(path=str(docs / "screenshot-search.png"))

        small = Path(tmp) / "我局2023年绩效目标表.csv"
        small.write_text(SMALL, encoding="utf-8")
        page.goto(f"{url}/models")
        page.set_input_files("#train-file", str(small))
        page.click("#train-form button[type=submit]")
        page.wait_for_selector("#figures", timeout=180_000)
        page.screenshot(path=str(docs / "screenshot-models.png"))
        browser.close()
    for f in sorted(docs.glob("screenshot-*.png")):
        print(f.relative_to(ROOT))


if __name__ == "__main__":
    main()
