"""Training jobs and models through the store (web/worker.py, web/registry.py): a bounded queue,
jobs of dead processes marked on start, a failing job's Chinese message without server paths,
a trained model usable by a process with another data folder, and the model zip kept safe."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import timedelta

import pytest
from starlette.exceptions import HTTPException

from indicatorml.errors import IndicatormlError
from indicatorml.store import open_store
from indicatorml.web import worker
from indicatorml.web.registry import DEFAULT, LOCAL, ModelRegistry, unzip_model, zip_model
from indicatorml.web.settings import Settings
from indicatorml.web.uploads import Upload
from indicatorml.web.worker import Trainer, job_json, submit

from helpers import SHIPPED_MODEL


@pytest.fixture
def setup(tmp_path):
    settings = Settings(data_dir=tmp_path / "a", train_queue=2)
    store = open_store(None, settings.data_dir)
    yield settings, store
    store.close()


def test_the_queue_is_bounded(setup):
    settings, store = setup
    up = [Upload("a.csv", b"x")]
    submit(store, settings, up, "本机用户", None)
    submit(store, settings, up, "本机用户", None)
    with pytest.raises(HTTPException) as e:
        submit(store, settings, up, "本机用户", None)
    assert e.value.status_code == 503 and "排队" in e.value.detail
    job = store.list_jobs(kind=worker.KIND)[0]
    assert (
        job["input"]["files"][0]["name"] == "a.csv"
        and store.get_blob(job["input"]["files"][0]["sha256"]) == b"x"
    )
    shown = job_json(job)
    assert shown["state"] == "queued" and shown["stage"] == "排队中" and shown["files"] == ["a.csv"]


def test_a_job_whose_process_died_is_marked_when_a_server_starts(setup, monkeypatch):
    settings, store = setup
    job = store.create_job(worker.KIND, {"files": []})
    assert store.claim_next_job(worker.KIND, "gone:1")["id"] == job["id"]
    monkeypatch.setattr(worker, "STALE", timedelta(0))
    time.sleep(0.01)
    trainer = Trainer(settings, store, ModelRegistry(settings, store), None)
    trainer.start()
    trainer.stop()
    failed = store.get_job(job["id"])
    assert failed["state"] == "failed" and "中断" in failed["error"]


def test_a_failing_job_says_why_in_chinese_without_server_paths(setup):
    settings, store = setup
    job = submit(store, settings, [Upload("没有类别.csv", "三级指标\n培训人数\n".encode())], None, None)
    trainer = Trainer(settings, store, ModelRegistry(settings, store), None)
    trainer.start()
    trainer.wake()
    try:
        for _ in range(600):
            state = store.get_job(job["id"])
            if state["state"] in ("done", "failed"):
                break
            time.sleep(0.1)
    finally:
        trainer.stop()
    assert state["state"] == "failed" and "没有一条填了二级指标" in state["error"], state
    assert "/tmp" not in state["error"] and "indicatorml-web-" not in state["error"]
    assert not list(settings.models_dir.glob(".new-*"))  # the half-made model folder is gone


def test_a_published_model_serves_a_process_with_another_data_folder(setup, tmp_path):
    settings, store = setup
    models = ModelRegistry(settings, store)
    assert models.local() is None and models.choice() == DEFAULT and models.model_dir() is None
    with pytest.raises(IndicatormlError, match="本单位模型"):
        models.resolve(LOCAL)
    assert models.choose(LOCAL) == DEFAULT  # nothing to choose yet
    published = models.publish(SHIPPED_MODEL, {"job": "j", "figures": {"rows": 1}})
    assert models.choose(LOCAL) == LOCAL
    other = ModelRegistry(Settings(data_dir=tmp_path / "b"), store)  # a second server process
    assert other.choice() == LOCAL
    unpacked = other.local_dir()
    assert unpacked is not None and unpacked.parent == tmp_path / "b" / "models"
    assert (unpacked / "model.json").read_bytes() == (SHIPPED_MODEL / "model.json").read_bytes()
    assert published["hash"][:16] in unpacked.name
    assert other.model(LOCAL).classes_.tolist() == models.model(DEFAULT).classes_.tolist()


def test_the_model_zip_is_the_same_bytes_for_the_same_model():
    assert zip_model(SHIPPED_MODEL) == zip_model(SHIPPED_MODEL)


@pytest.mark.parametrize("member", ["../evil.json", "/abs.json", "a/../../b", "a\\b.json"])
def test_a_model_zip_with_a_path_trick_is_refused(tmp_path, member):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, b"{}")
    with pytest.raises(IndicatormlError, match="文件名"):
        unzip_model(buf.getvalue(), tmp_path / "m")
    assert not (tmp_path / "m").exists() and not list(tmp_path.glob(".unpack-*"))
    with pytest.raises(IndicatormlError, match="损坏"):
        unzip_model(b"not a zip", tmp_path / "m")


def test_the_progress_bar_expects_the_time_of_the_same_kind_of_job(tmp_path):
    """A department's model trains on its reviewed rows only: its bar does not borrow the time of
    the last upload training, and the other way round."""
    with open_store(None, tmp_path / "data") as store:
        job = store.create_job(worker.KIND, {"files": []})
        store.claim_next_job(worker.KIND, "w")
        store.finish_job(job["id"], {}, worker="w")
        assert worker.expected_seconds(store) is not None
        assert worker.expected_seconds(store, worker.KIND) is not None
        assert worker.expected_seconds(store, "department-model") is None
