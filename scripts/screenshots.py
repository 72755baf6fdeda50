"""Screenshots of each page at 1366×768 into docs/ (docs/screenshot-*.png), for the README.

Run: ``.venv/bin/python scripts/screenshots.py`` (needs /usr/bin/chromium and fonts-noto-cjk).
Starts its own server on 127.0.0.1 with a temporary data folder, so nothing is left behind.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from web_server import CHROMIUM, CHROMIUM_ARGS, live_server  # noqa: E402

SEED = ROOT / "data" / "seed" / "000_fc0049aa6689bdbf.txt"
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

        page.goto(f"{url}/review")
        page.set_input_files("#review-file", str(SEED))
        page.click("button[type=submit]")
        page.wait_for_selector("article.file")
        page.locator("section.project").nth(1).scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(docs / "screenshot-review.png"))

        page.goto(f"{url}/write")
        page.locator("#indicator").press_sequentially("资金支付及时率", delay=10)
        page.wait_for_selector("#hits")
        page.screenshot(path=str(docs / "screenshot-write.png"))

        page.goto(f"{url}/search?q=满意度&kind=indicator")
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
