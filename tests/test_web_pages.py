"""Every page a user reads, rendered with real data, speaks Chinese: no rule id and no English
in its visible text (issue 16). Ids stay in attributes (the filters' values, data-rule) and in
the JSON; the words allowed are codes, units, formats and names (:data:`ALLOWED`).

The pages: the 审核 upload page with its list, a stored review of the seed and a form workbook
(with decisions made), the 填报 page and panel on a vague draft, 检索 with the bureau's own hits,
the 本单位模型 page (with a trained model's figures: slow), the API page and the error pages.
"""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from indicatorml.checks import rule_catalog  # noqa: E402
from indicatorml.web.app import create_app  # noqa: E402
from indicatorml.web.settings import Settings  # noqa: E402

from helpers import SEED, WORKBOOKS  # noqa: E402

FORM = WORKBOOKS / "申报表_三个项目.xlsx"
RULE_IDS = sorted({r["id"] for r in rule_catalog()}, key=len, reverse=True)
# Words a Chinese page may carry: the product, formats and codes, units, keys on a keyboard,
# and the API's own names (in the API page's prose).
ALLOWED = {
    "indicatorml",
    "json",
    "api",
    "jsonl",
    "csv",
    "tsv",
    "xlsx",
    "xls",
    "docx",
    "pdf",
    "zip",
    "word",
    "utf",
    "gb",
    "mb",
    "kb",
    "alt",
    "tab",
    "enter",
    "esc",
    "csrf",
    "ip",
    "host",
    "origin",
    "referer",
    "get",
    "post",
    "token",
    "header",
    "x",
    "f1",
    "id",
    "n",
    "model",
    "default",
    "local",
    "level2_code",
    "comment",
}
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "label")
SKIP = ("script", "style", "code", "pre", "kbd", "datalist", "svg")


class _Visible(HTMLParser):
    """The text a person sees: element text outside code blocks, and the attributes shown."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)
            shown_value = ("type", "text") in attrs or ("type", "search") in attrs or ("type", None) in attrs
            if tag == "input" and name == "value" and value and shown_value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return "\n".join(p.parts)


def english_in(text: str) -> list[str]:
    """English words outside the allow-list, and any run of three English words (a sentence)."""
    text = re.sub(r"[\w.()-]+\.(txt|csv|xlsx|xls|docx|pdf|zip|jsonl)\b", " ", text)  # file names
    text = re.sub(r"indicatorml [a-z]+|--[a-z-]+", " ", text)  # a command line is a code too
    found = [m.group(0) for m in re.finditer(r"[A-Za-z]{2,}(?:[ '][A-Za-z]{2,}){2,}", text)]
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text):
        if word.lower() not in ALLOWED and not re.fullmatch(r"[A-Z]{1,2}\d*|\d+", word):
            found.append(word)
    return found


def assert_chinese(html: str, where: str) -> None:
    text = visible_text(html)
    ids = [r for r in RULE_IDS if r in text]
    assert not ids, f"{where}: rule ids in visible text: {ids}"
    assert not english_in(text), f"{where}: English in visible text: {sorted(set(english_in(text)))[:20]}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("web-pages")))
    with TestClient(app, base_url="http://localhost") as c:
        c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
        yield c


@pytest.fixture(scope="module")
def review(client):
    files = [("file", ("种子表.txt", SEED.read_bytes())), ("file", (FORM.name, FORM.read_bytes()))]
    data = client.post("/api/reviews", files=files, data={"year": "2025"}).json()
    label = next(f for f in data["findings"] if f["kind"] == "label")
    url = f"/api/reviews/{data['id']}/decisions"
    client.post(url, json={"finding": label["id"], "decision": "accept", "comment": "同意建议"})
    project = next(f for f in data["findings"] if f["row"] is None)
    client.post(url, json={"finding": project["id"], "decision": "keep", "comment": "项目另有说明"})
    return data


def test_the_scan_itself_finds_ids_and_english():
    with pytest.raises(AssertionError, match="rule ids"):
        assert_chinese("<p>规则 label.improbable</p>", "sample")
    with pytest.raises(AssertionError, match="English"):
        assert_chinese("<p>row not read: neither a header block row</p>", "sample")
    assert_chinese(
        '<p data-rule="label.improbable">类别存疑 <code>GET /api/check</code> 种子表.txt 20 MB</p>', "ok"
    )


def test_the_review_pages_speak_chinese(client, review):
    page = client.get(f"/reviews/{review['id']}").text
    assert "同意建议" in page and "项目另有说明" in page and 'data-rule="label.improbable"' in page
    assert_chinese(page, "review page")
    assert_chinese(client.get("/review").text, "upload page")


def test_the_write_panel_speaks_chinese(client):
    page = client.get("/write", params={"indicator": "服务质量", "target": "明显提高"}).text
    assert "指标值用模糊措辞" in page and "理由" in page
    assert_chinese(page, "write page")
    assert_chinese(
        client.get("/write/panel", params={"indicator": "群众满意度", "target": "≥90%"}).text, "panel"
    )
    assert_chinese(client.get("/write", params={"indicator": "！！！"}).text, "write page, no words")


def test_search_with_library_hits_speaks_chinese(client, review):
    page = client.get("/search", params={"q": "现场检查次数"}).text
    assert "本单位" in page and f"/reviews/{review['id']}#r-" in page
    assert_chinese(page, "search page")
    assert_chinese(client.get("/search", params={"q": "商圈", "kind": "goal"}).text, "goal search")
    assert_chinese(client.get("/search", params={"q": "！！！"}).text, "search error")


def test_the_api_and_models_pages_speak_chinese(client):
    assert_chinese(client.get("/api/docs").text, "api page")
    assert_chinese(client.get("/models").text, "models page")


def test_error_pages_speak_chinese(client):
    for path in ("/reviews/AAAAAAAAAAAAAAAAAAAAAA", "/nowhere", "/static/x.py"):
        r = client.get(path)
        assert r.status_code == 404
        assert_chinese(r.text.replace("AAAAAAAAAAAAAAAAAAAAAA", ""), path)  # the id asked for is echoed
    r = client.get("/models", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert_chinese(r.text.replace("evil.example", ""), "wrong host")  # the Host asked for is echoed
    r = client.post("/review", headers={"X-CSRF-Token": ""}, files={"file": ("a.csv", b"x")})
    assert r.status_code == 403
    assert_chinese(
        r.text.replace("X-CSRF-Token", "").replace("/api/docs", "").replace("/api/csrf", ""), "csrf"
    )


@pytest.mark.slow  # trains a model (a few seconds) so the page shows its figures
def test_the_models_page_with_figures_speaks_chinese(client):
    import time

    r = client.post("/models/train", files={"file": ("我局.csv", LABELED.encode())}, follow_redirects=False)
    job = r.headers["location"].split("job=")[1]
    for _ in range(240):
        if client.get(f"/api/models/jobs/{job}").json()["state"] in ("done", "failed"):
            break
        time.sleep(0.5)
    page = client.get(f"/models?job={job}").text
    assert 'id="figures"' in page
    assert_chinese(page, "models page with figures")


LABELED = (
    "项目名称,一级指标,二级指标,三级指标,年度指标值\n"
    "培训项目,产出指标,数量指标,培训企业数量,≥50家\n"
    "培训项目,产出指标,质量指标,培训合格率,≥95%\n"
    "培训项目,效益指标,社会效益指标,企业合规意识提升率,≥80%\n"
    "培训项目,满意度指标,服务对象满意度指标,参训企业满意度,≥90%\n"
)
