"""The reviews of issue 15 through the web: the API's exact shapes, decisions from the API and
from the page's plain forms, the review page (one scorer: a row is red exactly when it has a
label finding), and every download under its own name with the reviewer's 审核意见 in it."""

from __future__ import annotations

import io
import re
import warnings
import zipfile

import pytest
from openpyxl import load_workbook

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from indicatorml.reviews import load_review, review_json  # noqa: E402
from indicatorml.web.app import create_app  # noqa: E402
from indicatorml.web.settings import Settings  # noqa: E402

from helpers import SEED, WORKBOOKS  # noqa: E402

FORM = WORKBOOKS / "申报表_三个项目.xlsx"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("web-reviews")))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, base_url="http://localhost") as c:
        c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
        yield c


@pytest.fixture(scope="module")
def posted(client):
    """A review of the seed and a form workbook, as POST /api/reviews answered it."""
    files = [("file", ("种子表.txt", SEED.read_bytes())), ("file", (FORM.name, FORM.read_bytes()))]
    r = client.post("/api/reviews", files=files, data={"year": "2025", "org": "某区商务局"})
    assert r.status_code == 201, r.text
    return r.json()


def test_post_reviews_answers_issue_15s_shape(posted):
    assert re.fullmatch(r"[\w-]{22}", posted["id"])
    assert [(f["n"], f["name"], f["kind"]) for f in posted["files"]] == [
        (1, "种子表.txt", "seed"),
        (2, FORM.name, "xlsx"),
    ]
    assert [f["indicators"] for f in posted["files"]] == [75, 24]
    assert all(f["problems"] == [] for f in posted["files"])
    assert (posted["year"], posted["org"]) == (2025, "某区商务局")
    assert posted["projects"] and all(
        {"file", "name", "grade", "grade_reason"} <= set(p) for p in posted["projects"]
    )
    assert {p["grade"] for p in posted["projects"]} <= {"优", "良", "中", "差"}
    keys = {"id", "file", "project", "row", "indicator", "rule", "rule_name", "severity", "message"}
    assert posted["findings"] and all(keys <= set(f) for f in posted["findings"])
    assert {f["file"] for f in posted["findings"]} == {"种子表.txt", FORM.name}  # own names, no paths
    assert len({f["id"] for f in posted["findings"]}) == len(posted["findings"])
    assert "/tmp" not in str(posted) and "indicatorml-web-" not in str(posted)


def test_get_review_gives_the_same_findings_with_the_same_ids(client, posted):
    got = client.get(f"/api/reviews/{posted['id']}").json()
    assert [(f["id"], f["rule"], f["row"], f["file"]) for f in got["findings"]] == [
        (f["id"], f["rule"], f["row"], f["file"]) for f in posted["findings"]
    ]
    assert got["files"] == posted["files"] and got["rows"] == posted["rows"]
    listed = client.get("/api/reviews", params={"limit": 5}).json()["reviews"]
    assert posted["id"] in [r["id"] for r in listed]


def test_a_review_that_does_not_exist_is_404_in_chinese(client):
    r = client.get("/api/reviews/AAAAAAAAAAAAAAAAAAAAAA")
    assert r.status_code == 404 and "没有" in r.json()["error"]
    assert client.get("/reviews/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_a_review_needs_files_and_a_sensible_year(client):
    assert client.post("/api/reviews", data={"year": "2025"}, files={"x": ("a", b"1")}).status_code == 400
    r = client.post("/api/reviews", files={"file": ("a.csv", b"x")}, data={"year": "25"})
    assert r.status_code == 400 and "年度" in r.json()["error"]


# ---------------------------------------------------------------- decisions through the API
def test_decisions_round_trip_through_the_api(client, posted):
    review_id = posted["id"]
    label = next(f for f in posted["findings"] if f["rule"] == "label.improbable")
    clean = next(r for r in posted["rows"] if not r["findings"] and r["file_n"] == 2)
    url = f"/api/reviews/{review_id}/decisions"
    r = client.post(
        url,
        json={"finding": label["id"], "decision": "set", "level2_code": "12-质量指标", "comment": "按质量"},
    )
    assert r.status_code == 201, r.text
    d = r.json()
    assert (d["finding_id"], d["decision"], d["level2_code"], d["comment"], d["user"]) == (
        label["id"],
        "set",
        "12",
        "按质量",
        "本机用户",
    )
    assert d["decision_zh"] == "改为" and d["created_at"]
    r = client.post(
        url, json={"file": 2, "row": clean["row"], "decision": "keep", "comment": "<b>原类别对</b>"}
    )
    assert r.status_code == 201, r.text
    got = client.get(f"/api/reviews/{review_id}").json()
    finding = next(f for f in got["findings"] if f["id"] == label["id"])
    assert finding["decision"]["level2_code"] == "12"
    row = next(x for x in got["rows"] if x["file_n"] == 2 and x["row"] == clean["row"])
    assert row["decision"]["decision"] == "keep" and row["decided_level2_code"] == clean["given_level2_code"]
    assert len(got["decisions"]) >= 2


@pytest.mark.parametrize(
    "body,status,words",
    [
        ({"finding": 10**9, "decision": "keep"}, 404, "没有"),
        ({"decision": "keep"}, 400, "finding"),
        ({"finding": "x", "decision": "keep"}, 400, "整数"),
        ({"finding": True, "decision": "keep"}, 400, "整数"),
        ({"file": 1, "row": 0, "decision": "maybe"}, 400, "accept"),
        ({"file": 1, "row": 0, "decision": "set"}, 400, "level2_code"),
        ({"file": 1, "row": 0, "decision": "set", "level2_code": "99"}, 400, "没有这个二级指标"),
        ({"file": 1, "row": 0, "decision": "keep", "comment": "字" * 2001}, 400, "2,000"),
        ({"file": 9, "row": 0, "decision": "keep"}, 404, "文件"),
        ([1, 2], 400, "JSON 对象"),
    ],
)
def test_a_decision_that_does_not_fit_is_refused_with_a_message(client, posted, body, status, words):
    r = client.post(f"/api/reviews/{posted['id']}/decisions", json=body)
    assert r.status_code == status and words in r.json()["error"], r.text


def test_decisions_are_json_only(client, posted):
    r = client.post(
        f"/api/reviews/{posted['id']}/decisions",
        content=b'{"file": 1, "row": 0, "decision": "keep"}',
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 415 and "application/json" in r.json()["error"]


# ---------------------------------------------------------------- the page
def test_the_review_page_shows_what_the_api_gives(client, posted):
    page = client.get(f"/reviews/{posted['id']}").text
    rows = posted["rows"]
    marked = {(r["file_n"], r["row"]) for r in rows if r["marked"]}
    assert marked, "the seed has label findings"
    shown_red = {(int(f), int(r)) for f, r in re.findall(r'<tr id="r-(\d+)-(\d+)" class="row marked"', page)}
    assert shown_red == marked  # red exactly when a label finding is on the row
    assert page.count('<tr id="r-') == len(rows)
    # A suggestion differing from the given category without a finding is neutral, not red.
    neutral = [
        r
        for r in rows
        if not r["marked"] and r["suggestion"] and r["suggestion"]["level2_code"] != r["given_level2_code"]
    ]
    for r in neutral[:5]:
        cell = re.search(rf'<tr id="r-{r["file_n"]}-{r["row"]}" class="row"[\s\S]*?</tr>', page).group(0)
        assert 'class="sugg other"' in cell
    for p in posted["projects"]:
        if p["grade"] and p["name"]:
            assert f'<span class="grade g-{p["grade"]}"' in page and p["grade_reason"] in page
    # The rule filter: Chinese names shown, ids only as option values.
    options = re.findall(r'<option value="([\w.-]+)">([^<]+)</option>', page)
    rules = {f["rule"]: f["rule_name"] for f in posted["findings"]}
    assert dict(options) == rules
    assert "label.improbable</" not in page  # never a visible id


def test_the_why_of_a_label_finding_is_beside_its_suggestion(client, posted):
    page = client.get(f"/reviews/{posted['id']}").text
    label = next(f for f in posted["findings"] if f["kind"] == "label" and f["why"])
    cell = re.search(rf'<tr id="r-{label["file_n"]}-{label["row"]}"[\s\S]*?</tr>', page).group(0)
    assert "依据 " + "".join(f"「{w}」" for w in label["why"]) in cell


def test_a_plain_form_records_a_decision_and_returns_to_the_row(app, posted):
    """Without scripts: the page's form posts csrf_token (first field, equal to the cookie)."""
    with TestClient(app, base_url="http://localhost") as browser:
        page = browser.get(f"/reviews/{posted['id']}").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        row = next(r for r in posted["rows"] if not r["findings"] and r["file_n"] == 1)
        r = browser.post(
            f"/reviews/{posted['id']}/decisions",
            data={
                "csrf_token": token,
                "file": "1",
                "row": str(row["row"]),
                "decision": "keep",
                "comment": "保持 <i>",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"].endswith(f"#r-1-{row['row']}")
        page = browser.get(r.headers["location"]).text
    cell = re.search(rf'<tr id="r-1-{row["row"]}"[\s\S]*?</tr>', page).group(0)
    assert "保持原类别" in cell and "本机用户" in cell and "保持 &lt;i&gt;" in cell


def test_the_upload_form_stores_and_goes_to_the_review(client):
    r = client.post(
        "/review",
        files={"file": (FORM.name, FORM.read_bytes())},
        data={"year": "2024"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and re.fullmatch(r"/reviews/[\w-]{22}", r.headers["location"])
    home = client.get("/review").text
    assert r.headers["location"] in home and "最近的审核" in home


# ---------------------------------------------------------------- downloads
def test_each_download_has_its_own_name_and_the_decisions(client, posted, app):
    review_id = posted["id"]
    label = next(f for f in posted["findings"] if f["rule"] == "label.improbable" and f["file_n"] == 1)
    client.post(
        f"/api/reviews/{review_id}/decisions",
        json={"finding": label["id"], "decision": "keep", "comment": "原类别正确,不改"},
    )
    wb = client.get(f"/api/reviews/{review_id}/files/1/workbook")
    assert wb.status_code == 200
    assert wb.headers["content-disposition"].endswith(
        "filename*=UTF-8''%E7%A7%8D%E5%AD%90%E8%A1%A8.%E5%AE%A1%E6%A0%B8.xlsx"
    )
    ws = load_workbook(io.BytesIO(wb.content)).worksheets[0]
    column = next(c.column for c in ws[1] if c.value == "审核意见")
    opinions = [ws.cell(row=r, column=column).value for r in range(2, ws.max_row + 1)]
    assert any(o and "原类别正确,不改" in o for o in opinions)
    z = client.get(f"/api/reviews/{review_id}/workbooks.zip")
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        assert archive.namelist() == ["种子表.审核.xlsx", "申报表_三个项目.审核.xlsx"]
    coded = client.get(f"/api/reviews/{review_id}/files/2/coded")
    assert coded.status_code == 200 and "%E7%94%B3%E6%8A%A5%E8%A1%A8" in coded.headers["content-disposition"]
    export = client.get(f"/api/reviews/{review_id}/decisions.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert "审核意见" in header and "决定" in header and sheet.max_row >= 2
    lines = client.get(f"/api/reviews/{review_id}/decisions.jsonl").text.splitlines()
    assert any("原类别正确,不改" in line for line in lines)
    assert client.get(f"/api/reviews/{review_id}/decisions.csv").status_code == 404
    # The download is the stored review, never checked again: it matches the API row by row.
    stored = review_json(load_review(app.state.store, review_id))
    assert [f["id"] for f in stored["findings"]] == [f["id"] for f in posted["findings"]]


# ---------------------------------------------------------------- the bureau's library (issue 17, item 4)
def test_precedents_return_the_reviewed_rows_first_with_where_they_are(client, posted):
    """A stored review's rows are precedents at once: /api/precedents finds them first, with
    their department's unit, year, file and a place in the review; the filters narrow them."""
    row = next(r for r in posted["rows"] if r["file_n"] == 1 and "检查" in r["indicator"])
    got = client.get("/api/precedents", params={"text": row["indicator"], "top": 5}).json()
    first = got["hits"][0]
    assert first["library"] is True and first["review_id"] == posted["id"]
    assert (first["file"], first["file_n"], first["year"], first["org"]) == (
        "种子表.txt",
        1,
        2025,
        "某区商务局",
    )
    assert first["indicator"] == row["indicator"]
    page = client.get("/write", params={"indicator": row["indicator"]}).text
    assert f'href="/reviews/{posted["id"]}#r-1-' in page and "本单位" in page
    none = client.get(
        "/api/precedents", params={"text": row["indicator"], "year": "2019", "source": "library"}
    )
    assert none.status_code == 200 and none.json()["hits"] == []
    shipped = client.get("/api/search", params={"q": row["indicator"], "source": "shipped"}).json()["hits"]
    assert all(h["library"] is False for h in shipped)
