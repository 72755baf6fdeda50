"""Two ``indicatorml serve`` processes on one database behave as one server (issue 15, item 6).

Each server is its own process (as ``--workers 2`` or two machines would be), with its own
``--data-dir`` so nothing is shared through files: a review posted to one is read, decided and
downloaded from the other; a model chosen on one is used by the other; a training job queued on
one is run by whichever process claims it, and its model is then usable on both. On SQLite (one
file, WAL) and on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import postgres
import pytest
from openpyxl import load_workbook

from helpers import SEED, WORKBOOKS
from web_server import serve_process as serve

pytestmark = pytest.mark.slow  # starts server processes (and one trains a model)

LABELED = (
    "项目名称,一级指标,二级指标,三级指标,年度指标值\n"
    "培训项目,产出指标,数量指标,培训企业数量,≥50家\n"
    "培训项目,产出指标,质量指标,培训合格率,≥95%\n"
    "培训项目,效益指标,社会效益指标,企业合规意识提升率,≥80%\n"
    "培训项目,满意度指标,服务对象满意度指标,参训企业满意度,≥90%\n"
)


class Client:
    """A script's client of one server: its own CSRF token, JSON and multipart helpers."""

    def __init__(self, url: str) -> None:
        self.url = url
        with urllib.request.urlopen(f"{url}/api/csrf") as r:
            self.token = json.loads(r.read())["token"]

    def get(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=60) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def post(self, path: str, body: bytes, ctype: str, token: bool = True) -> tuple[int, dict]:
        """(status, JSON answer) — or ``{"html": …}`` for a page (a form's redirect target)."""
        headers = {"Content-Type": ctype, **({"X-CSRF-Token": self.token} if token else {})}
        req = urllib.request.Request(f"{self.url}{path}", data=body, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        return status, json.loads(raw) if raw.startswith((b"{", b"[")) else {"html": raw.decode()}

    def post_json(self, path: str, data: object) -> tuple[int, dict]:
        return self.post(path, json.dumps(data).encode(), "application/json")

    def post_files(self, path: str, files: list[tuple[str, bytes]], fields: dict[str, str] | None = None):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in (fields or {}).items()
        ]
        for name, data in files:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'
            parts.append(head.encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.post(path, body, f"multipart/form-data; boundary={boundary}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared' / 'indicatorml.sqlite3'}"
    else:
        with postgres.pg_database() as url:
            yield url


def test_two_servers_on_one_database_behave_as_one(database, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with serve(database, tmp_path / "a") as url_a, serve(database, tmp_path / "b") as url_b:
        a, b = Client(url_a), Client(url_b)
        form = WORKBOOKS / "申报表_三个项目.xlsx"
        status, posted = a.post_files(
            "/api/reviews", [("种子表.txt", SEED.read_bytes()), (form.name, form.read_bytes())]
        )
        assert status == 201, posted
        review_id = posted["id"]
        # Read on the other server: the same findings with the same ids.
        status, body, _ = b.get(f"/api/reviews/{review_id}")
        got = json.loads(body)
        assert status == 200 and [f["id"] for f in got["findings"]] == [f["id"] for f in posted["findings"]]
        # A's token works on B (one secret, in the store).
        label = next(f for f in got["findings"] if f["rule"] == "label.improbable")
        b.token = a.token
        status, d = b.post_json(
            f"/api/reviews/{review_id}/decisions",
            {"finding": label["id"], "decision": "keep", "comment": "在乙上决定"},
        )
        assert status == 201, d
        status, body, _ = a.get(f"/api/reviews/{review_id}")
        assert (
            next(f for f in json.loads(body)["findings"] if f["id"] == label["id"])["decision"]["comment"]
            == "在乙上决定"
        )
        # Download from B: the workbook carries the decision made there, under the file's own name.
        status, data, headers = b.get(f"/api/reviews/{review_id}/files/1/workbook")
        assert (
            status == 200
            and "%E7%A7%8D%E5%AD%90%E8%A1%A8.%E5%AE%A1%E6%A0%B8.xlsx" in headers["content-disposition"]
        )
        ws = load_workbook(io.BytesIO(data)).worksheets[0]
        column = next(c.column for c in ws[1] if c.value == "审核意见")
        assert any(
            "在乙上决定" in str(ws.cell(row=r, column=column).value or "") for r in range(2, ws.max_row + 1)
        )
        status, page, _ = a.get(f"/reviews/{review_id}")
        assert status == 200 and "在乙上决定" in page.decode()
        # B's library finds A's rows (refreshed from the store within seconds).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            status, body, _ = b.get(
                "/api/precedents?text=" + urllib.request.quote("小额贷款现场检查次数") + "&source=library"
            )
            hits = json.loads(body)["hits"]
            if hits:
                break
            time.sleep(0.5)
        assert hits and hits[0]["review_id"] == review_id and hits[0]["file"] == "种子表.txt"


def test_a_training_job_queued_on_one_server_serves_both(tmp_path):
    db = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with serve(db, tmp_path / "a") as url_a, serve(db, tmp_path / "b") as url_b:
        a, b = Client(url_a), Client(url_b)
        status, answer = a.post_files("/models/train", [("我局2023.csv", LABELED.encode())])
        assert status == 200 and 'id="job"' in answer["html"]  # urllib followed the redirect to the job
        deadline = time.monotonic() + 180
        shown = False
        while not shown and time.monotonic() < deadline:
            time.sleep(1)
            shown = 'id="figures"' in b.get("/models")[1].decode()  # the other server's page
        assert shown, "the trained model's figures never reached the other server"
        # Choose it on B: A's pages and API use it (A unpacks it from the store: no shared folder).
        form = "application/x-www-form-urlencoded"
        status, _ = b.post("/models/use", b"model=local", form, token=False)
        assert status == 403  # a form needs its token
        status, _ = b.post("/models/use", f"csrf_token={b.token}&model=local".encode(), form, token=False)
        assert status == 403  # …in the field *and* the browser's cookie (a script uses the header)
        status, _ = b.post("/models/use", b"model=local", form)
        assert status == 200
        _, page, _ = a.get("/review")
        assert "模型: 本单位模型" in page.decode()
        status, answer = a.post_json("/api/classify?model=local", {"items": ["培训企业数量"]})
        assert status == 200 and answer["results"][0]["level2_code"] == "11"
        assert list((tmp_path / "a" / "models").glob("local-*/model.json"))


def test_serve_with_two_workers_answers_as_one(tmp_path):
    """``serve --workers 2``: uvicorn's worker processes, each built by the app factory from the
    settings in the environment; requests land on either and see the same store."""
    with serve(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, "--workers", "2") as url:
        c = Client(url)
        status, posted = c.post_files("/api/reviews", [("种子表.txt", SEED.read_bytes())])
        assert status == 201
        for _ in range(10):  # new connections: both workers get some
            fresh = Client(url)
            status, body, _ = fresh.get(f"/api/reviews/{posted['id']}")
            assert status == 200 and json.loads(body)["id"] == posted["id"]
            status, _ = fresh.post_json(
                f"/api/reviews/{posted['id']}/decisions", {"file": 1, "row": 0, "decision": "keep"}
            )
            assert status == 201
        log = (tmp_path / "server.log").read_text()
        assert log.count("Started server process") >= 2, log
