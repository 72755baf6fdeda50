"""The web app through Starlette's TestClient: every endpoint, its errors, escaping, the 413 limit."""

from __future__ import annotations

import io
import json
import re
import warnings
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("starlette")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from indicatorml.tables import read_table  # noqa: E402
from indicatorml.web.app import create_app  # noqa: E402
from indicatorml.web.limits import MAX_UPLOAD_BYTES  # noqa: E402
from indicatorml.web.state import Settings  # noqa: E402

from helpers import SEED, WORKBOOKS  # noqa: E402

XSS = "<script>alert(1)</script>"
LABELED_CSV = (
    "\n".join(
        [
            "项目名称,绩效目标,一级指标,二级指标,三级指标,年度指标值",
            "合规培训项目,开展企业合规培训,产出指标,数量指标,培训企业数量,≥50家",
            "合规培训项目,开展企业合规培训,产出指标,质量指标,培训合格率,≥95%",
            "合规培训项目,开展企业合规培训,产出指标,时效指标,培训完成时间,2024年6月底前",
            "合规培训项目,开展企业合规培训,效益指标,社会效益指标,企业合规意识提升率,≥80%",
            "合规培训项目,开展企业合规培训,满意度指标,服务对象满意度指标,参训企业满意度,≥90%",
            "展会项目,举办展会,产出指标,数量指标,举办展会场次,≥3场",
            "展会项目,举办展会,效益指标,经济效益指标,带动销售额,≥1亿元",
            "展会项目,举办展会,满意度指标,服务对象满意度指标,参展企业满意度,≥90%",
        ]
    )
    + "\n"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client as a budget system's script is one: a CSRF token from GET /api/csrf in the
    X-CSRF-Token header of every request (the pages' forms are tested in test_web_safety.py)."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("web-data")))
    with TestClient(app, base_url="http://localhost") as c:
        c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
        yield c


def seed_upload(name: str = "种子表.txt"):
    return {"file": (name, SEED.read_bytes(), "text/plain")}


# ---------------------------------------------------------------- health, pages
def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "path,text",
    [
        ("/review", "审核绩效目标表"),
        ("/write", "填报指标"),
        ("/search", "检索以往"),
        ("/models", "本单位模型"),
        ("/api/docs", "JSON API"),
    ],
)
def test_pages_render_in_chinese(client, path, text):
    r = client.get(path)
    assert r.status_code == 200 and text in r.text and 'lang="zh-CN"' in r.text


def test_root_goes_to_review(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"


def test_static_is_a_fixed_set_not_a_path(client):
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    for bad in ("/static/..%2Fapp.py", "/static/%2E%2E%2F%2E%2E%2Fshipped.py", "/static/app.py"):
        assert client.get(bad).status_code == 404


# ---------------------------------------------------------------- /api/check
def test_check_seed_matches_the_api(client):
    from indicatorml.checks import check_tables

    r = client.post("/api/check", files=seed_upload())
    assert r.status_code == 200
    body = r.json()
    assert body["files"] == [
        {"name": "种子表.txt", "kind": "seed", "indicators": 75, "projects": 24, "problems": []}
    ]
    expected = [f.to_dict() for f in check_tables([read_table(SEED)])]
    assert len(body["findings"]) == len(expected)
    assert [(f["rule"], f["row"]) for f in body["findings"]] == [(f["rule"], f["row"]) for f in expected]
    assert set(body["findings"][0]) == set(expected[0])  # the CLI's JSONL keys
    assert all(f["file"] == "种子表.txt" for f in body["findings"])  # the user's name, not a temp path
    assert not any("/tmp" in json.dumps(f, ensure_ascii=False) for f in body["findings"])


def test_check_several_files_and_the_workbook(client):
    """Changed by issue 15: several files came back as one 审核结果.xlsx with sheets 表1, 表2
    whose 问题清单 named a server temp path; now each file is its own <stem>.审核.xlsx, and
    several are a zip of them. No server path in any name, sheet or cell."""
    files = [("file", ("a.txt", SEED.read_bytes())), ("file", ("b.csv", LABELED_CSV.encode("utf-8")))]
    body = client.post("/api/check", files=files).json()
    assert [f["name"] for f in body["files"]] == ["a.txt", "b.csv"]
    assert body["files"][1]["indicators"] == 8
    r = client.post("/api/check?format=xlsx", files=files)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert z.namelist() == ["a.审核.xlsx", "b.审核.xlsx"]
        books = {n: z.read(n) for n in z.namelist()}
    for name, data in books.items():
        assert "问题清单" in workbook_sheets(data), name
        assert not any(_server_path(v) for v in workbook_texts(data)), name
    one = client.post("/api/check?format=xlsx", files=files[1:])
    assert one.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''b.%E5%AE%A1%E6%A0%B8.xlsx" in one.headers["content-disposition"]


def workbook_sheets(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).sheetnames


def workbook_texts(data: bytes) -> list[str]:
    """Every sheet name and text cell of a workbook."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    out = list(wb.sheetnames)
    for ws in wb.worksheets:
        out.extend(str(v) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str))
    return out


def _server_path(text: str) -> bool:
    return (
        "/tmp" in text or "indicatorml-web-" in text or re.search(r"表\d+\.(txt|csv|xlsx)", text) is not None
    )


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("garbage.bin", bytes(range(256)) * 40, "二进制"),
        ("empty.csv", b"", "空文件"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
        ("broken.xlsx", b"PK\x03\x04not really a zip", ""),
    ],
)
def test_bad_files_give_the_readers_problems_not_500(client, name, data, reason):
    r = client.post("/api/check", files={"file": (name, data)})
    assert r.status_code == 200
    f = r.json()["files"][0]
    assert f["indicators"] == 0 and f["problems"] and reason in f["problems"][0]["reason"]
    page = client.post("/review", files={"file": (name, data)})
    assert page.status_code == 200 and "读取问题" in page.text


def test_gb18030_csv_reads_like_utf8(client):
    a = client.post("/api/check", files={"file": ("u.csv", LABELED_CSV.encode("utf-8"))}).json()
    b = client.post("/api/check", files={"file": ("g.csv", LABELED_CSV.encode("gb18030"))}).json()
    assert b["files"][0]["indicators"] == 8 and b["files"][0]["problems"] == []
    strip = [{k: v for k, v in f.items() if k not in ("file", "source")} for f in a["findings"]]
    assert strip == [{k: v for k, v in f.items() if k not in ("file", "source")} for f in b["findings"]]


def test_check_needs_a_file(client):
    r = client.post("/api/check", data={"x": "1"}, files={"other": ("a.txt", b"x")})
    assert r.status_code == 400 and "file" in r.json()["error"]
    r = client.post("/api/check", json={"file": "a"})
    assert r.status_code == 400


def test_client_file_names_never_reach_the_disk(client, tmp_path, monkeypatch):
    written = []
    orig = Path.write_bytes

    def spy(self, data):
        written.append(self)
        return orig(self, data)

    monkeypatch.setattr(Path, "write_bytes", spy)
    r = client.post("/api/check", files={"file": ("../../etc/evil.txt", SEED.read_bytes())})
    assert r.status_code == 200 and r.json()["files"][0]["name"] == "evil.txt"
    assert written and all(re.fullmatch(r"表\d+(\.\w+)?", p.name) for p in written)
    assert all("evil" not in str(p) and ".." not in str(p) for p in written)


def test_a_word_form_with_its_label_column_merged_is_a_workbook_not_a_500(client):
    """The classic 财政部 form (绩效指标 merged down the table) answered 500 'MergedCell' object
    is not iterable on ?format=xlsx."""
    from openpyxl import load_workbook

    doc = WORKBOOKS / "申报表_绩效指标列合并.docx"
    r = client.post("/api/check?format=xlsx", files={"file": (doc.name, doc.read_bytes())})
    assert r.status_code == 200
    assert load_workbook(io.BytesIO(r.content)).sheetnames == ["表1", "问题清单"]


def test_continuation_rows_are_two_projects_on_the_page(client):
    """A GB18030 CSV exported from a merged sheet: the page showed 2 个项目 and 3 sections, the
    third an invented "(未写项目名称)" holding both projects' other rows."""
    csv = WORKBOOKS / "续行_项目名称留空.csv"
    r = client.post("/review", files={"file": (csv.name, csv.read_bytes(), "text/csv")})
    assert r.status_code == 200
    assert "12 条指标 · 2 个项目" in r.text
    assert r.text.count("<h3>") == 2 and "(未写项目名称)" not in r.text
    assert "completeness.no-effect" not in r.text


# ---------------------------------------------------------------- 413
def test_upload_over_20_mb_is_413_with_a_message(client):
    big = b"a" * (MAX_UPLOAD_BYTES + 10)
    r = client.post("/api/check", files={"file": ("big.txt", big)})
    assert r.status_code == 413 and "20 MB" in r.json()["error"]
    r = client.post("/review", files={"file": ("big.txt", big)})
    assert r.status_code == 413 and "20 MB" in r.text


def test_413_without_content_length_counts_bytes(client):
    def chunks():
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        for _ in range(21):
            yield b"b" * (1024 * 1024)
        yield b"\r\n--x--\r\n"

    r = client.post(
        "/api/check", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert r.status_code == 413 and "20 MB" in r.json()["error"]


# ---------------------------------------------------------------- /api/classify
def test_classify_gives_the_cli_keys(client):
    from indicatorml.coding import classify

    r = client.post(
        "/api/classify",
        json={
            "items": [
                {"indicator": "资金支付及时率"},
                {"indicator": "群众满意度", "target": "≥90%"},
                "培训人次",
            ]
        },
    )
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["level2_code"] for x in res[:2]] == ["13", "31"]
    assert res[1]["target"] == "≥90%"
    assert res[0] == classify([("资金支付及时率", None)])[0].to_dict()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"items": 3}',
        b'{"items": [{"target": "x"}]}',
        b'{"items": [], "top_k": 0}',
        b'{"items": [], "layout": "x"}',
    ],
)
def test_classify_bad_bodies_are_400(client, body):
    r = client.post("/api/classify", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]


def test_classify_unusable_text_is_a_message_not_an_error(client):
    r = client.post("/api/classify", json={"items": [{"indicator": "   "}, {"indicator": "123"}]})
    assert r.status_code == 200
    assert all(x["level2_code"] is None and x["message"] for x in r.json()["results"])


# ---------------------------------------------------------------- precedents, search
def test_precedents_match_the_api(tmp_path):
    """Changed by issue 17: /api/precedents answers from the bureau's library (the shipped rows
    plus every stored review's), so each hit carries the library's keys too; with no review
    stored yet (the same statistics) the hits and their order are the precedents API's."""
    from indicatorml.precedents import precedents

    with TestClient(create_app(Settings(data_dir=tmp_path)), base_url="http://localhost") as client:
        r = client.get("/api/precedents", params={"text": "资金支付及时率", "top": 5})
    assert r.status_code == 200
    expected = json.loads(json.dumps(precedents("资金支付及时率", top=5).to_dict()))
    got = r.json()
    assert {"hits", "categories", "targets"} <= set(got)
    assert [h["indicator"] for h in got["hits"]] == [h["indicator"] for h in expected["hits"]]
    for mine, theirs in zip(got["hits"], expected["hits"], strict=True):
        assert {k: mine[k] for k in theirs} == theirs
        assert mine["library"] is False and mine["review_id"] is None
    assert got["categories"] == expected["categories"]


@pytest.mark.parametrize("params", [{"text": ""}, {"text": "！！！"}, {"text": "满意度", "top": "x"}])
def test_precedents_bad_queries_are_400(client, params):
    r = client.get("/api/precedents", params=params)
    assert r.status_code == 400 and r.json()["error"]


def test_search_both_kinds(client):
    hits = client.get("/api/search", params={"q": "满意度", "top": 3}).json()["hits"]
    assert len(hits) == 3 and all("满意" in h["indicator"] for h in hits)
    goals = client.get("/api/search", params={"q": "商圈", "kind": "goal"}).json()["hits"]
    assert goals and "goal" in goals[0]
    assert client.get("/api/search", params={"q": "a", "kind": "x"}).status_code == 400


# ---------------------------------------------------------------- /api/code
def test_code_writes_the_file_back_in_its_own_kind(client, tmp_path):
    draft = "项目名称,三级指标,年度指标值\n培训项目,培训企业数量,≥50家\n培训项目,参训企业满意度,≥90%\n"
    r = client.post("/api/code", files={"file": ("草稿.csv", draft.encode("gb18030"))})
    assert r.status_code == 200
    assert "filename*=UTF-8''%E8%8D%89%E7%A8%BF.coded.csv" in r.headers["content-disposition"]
    assert int(r.headers["x-indicatorml-coded"]) + int(r.headers["x-indicatorml-review"]) == 2
    out = tmp_path / "coded.csv"
    out.write_bytes(r.content)
    t = read_table(out)
    assert t.encoding == "gb18030" and [x.level2_code for x in t.records] == ["11", "31"]


def test_code_of_a_word_or_pdf_form_is_an_xlsx_named_so(client):
    """The 编码 download of X.docx was an XLSX named X.coded.docx; the name now comes from the
    one naming rule the CLI uses (tables.annotate.coded_name)."""
    from openpyxl import load_workbook

    for name in ("申报表_绩效指标列合并.docx", "申报表_绩效指标列合并.xls", "申报表_绩效指标列合并.pdf"):
        src = WORKBOOKS / name
        r = client.post("/api/code", files={"file": (src.name, src.read_bytes())})
        assert r.status_code == 200
        stem = src.stem.encode("utf-8")

        assert f"filename*=UTF-8''{quote(src.stem)}.coded.xlsx" in r.headers["content-disposition"], stem
        assert r.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
        assert (
            "表1" in load_workbook(io.BytesIO(r.content)).sheetnames
            or "第1页" in load_workbook(io.BytesIO(r.content)).sheetnames
        )


def test_code_seed_stays_seed(client, tmp_path):
    r = client.post("/api/code", files=seed_upload("种子表.txt"))
    assert r.status_code == 200
    out = tmp_path / "c.txt"
    out.write_bytes(r.content)
    assert read_table(out).kind == "seed"


def test_code_bad_file_is_400_with_problems(client):
    r = client.post("/api/code", files={"file": ("x.bin", bytes(range(256)) * 10)})
    assert r.status_code == 400
    body = r.json()
    assert "没有读到可编码的指标" in body["error"] and "x.bin" in body["error"] and body["problems"]
    assert "/tmp" not in body["error"]
    two = [("file", ("a.txt", b"x")), ("file", ("b.txt", b"y"))]
    assert client.post("/api/code", files=two).status_code == 400


# ---------------------------------------------------------------- pages with results, escaping
def test_review_page_shows_findings_and_downloads(client):
    """Changed by issue 15: the upload is a stored review with its own address (/reviews/{id});
    its downloads are the API's (/api/reviews/{id}/files/{n}/…) and outlive the server."""
    r = client.post("/review", files=seed_upload(), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/reviews/")
    review_id = r.headers["location"].rsplit("/", 1)[1]
    r = client.get(r.headers["location"])
    assert r.status_code == 200
    assert "天河商圈打造工作经费" in r.text and 'data-rule="completeness.no-satisfaction"' in r.text
    assert 'class="finding sev-warning"' in r.text
    assert f"/api/reviews/{review_id}/files/1/workbook" in r.text
    wb = client.get(f"/api/reviews/{review_id}/files/1/workbook")
    assert wb.status_code == 200 and "问题清单" in workbook_sheets(wb.content)
    assert (
        "filename*=UTF-8''%E7%A7%8D%E5%AD%90%E8%A1%A8.%E5%AE%A1%E6%A0%B8.xlsx"
        in wb.headers["content-disposition"]
    )
    coded = client.get(f"/api/reviews/{review_id}/files/1/coded")
    assert coded.status_code == 200 and "coded.txt" in coded.headers["content-disposition"]
    assert client.get("/reviews/nope").status_code == 404
    assert client.get("/api/reviews/nope/files/1/workbook").status_code == 404
    assert client.get(f"/api/reviews/{review_id}/files/7/workbook").status_code == 404


def test_user_text_is_escaped_everywhere(client):
    r = client.get("/write/panel", params={"indicator": XSS, "target": XSS})
    assert XSS not in r.text and "&lt;script&gt;" in r.text
    r = client.get("/write", params={"indicator": XSS})
    assert XSS not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    r = client.get("/search", params={"q": XSS})
    assert XSS not in r.text
    csv = f"项目名称,一级指标,二级指标,三级指标,年度指标值\n{XSS},产出指标,数量指标,{XSS},{XSS}\n"
    r = client.post("/review", files={"file": (f"{XSS}.csv", csv.encode())})
    assert r.status_code == 200 and XSS not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_write_panel_suggests_and_shows_precedents(client):
    r = client.get("/write/panel", params={"indicator": "资金支付及时率"})
    assert "13-时效指标" in r.text and 'id="hits"' in r.text and "<svg" in r.text
    assert "输入指标草稿" in client.get("/write/panel").text


# ---------------------------------------------------------------- 本单位模型
def _finished_job(client, job: str, tries: int, pause: float) -> dict:
    """The job's status once it is done or failed (or after ``tries`` polls)."""
    import time

    for _ in range(tries):
        j = client.get(f"/api/models/jobs/{job}").json()
        if j["state"] in ("done", "failed"):
            break
        time.sleep(pause)
    return j


@pytest.mark.slow  # trains a model on the shipped data plus the upload, with its folds
def test_train_a_local_model_then_use_it(client):
    r = client.post(
        "/models/train", files={"file": ("我局2023.csv", LABELED_CSV.encode())}, follow_redirects=False
    )
    assert r.status_code == 303
    job = r.headers["location"].split("job=")[1]
    j = _finished_job(client, job, tries=240, pause=0.5)
    assert j["state"] == "done", j
    page = client.get(f"/models?job={job}")
    assert "模型对比" in page.text and 'id="figures"' in page.text and "我局2023.csv" in page.text
    # Both middle columns score the uploaded rows, each with a model that never saw them.
    n_rows = len(LABELED_CSV.strip().splitlines()) - 1
    counts = re.search(r"<th>评测的指标条数</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", page.text)
    assert counts and int(counts.group(2)) == int(counts.group(3)) == n_rows
    assert client.post("/api/classify?model=local", json={"items": ["培训企业数量"]}).status_code == 200
    client.post("/models/use", data={"model": "local"})
    assert "模型: 本单位模型" in client.get("/review").text
    client.post("/models/use", data={"model": "default"})
    assert "模型: 默认模型" in client.get("/review").text


def test_training_on_unlabeled_tables_fails_with_a_message(client):
    r = client.post(
        "/models/train", files={"file": ("x.csv", "三级指标\n培训人数\n".encode())}, follow_redirects=False
    )
    job = r.headers["location"].split("job=")[1]
    j = _finished_job(client, job, tries=60, pause=0.2)
    assert j["state"] == "failed" and j["error"]
    assert client.get("/api/models/jobs/nope").status_code == 404


def test_cli_has_serve():
    from indicatorml.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
