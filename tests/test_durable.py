"""Folders written whole or not at all, and the leftovers of killed processes cleaned without touching live ones.

The liveness test is the real one: a second process holds a folder's lock, the cleaner must
leave it; the process is SIGKILLed, the cleaner must remove it. The rename fallback (no
RENAME_EXCHANGE) is run too, including a death between its two renames.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from indicatorml import durable
from indicatorml.coding import load_model, save_model
from indicatorml.errors import IndicatormlError

from helpers import SHIPPED_MODEL


def write(folder: Path, text: str) -> None:
    (folder / "a.txt").write_text(text)
    (folder / "sub").mkdir()
    (folder / "sub" / "b.txt").write_text(text * 2)


def contents(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("exchange", [True, False])
def test_a_folder_is_replaced_whole_and_nothing_is_left_beside_it(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(durable, "_exchange", lambda a, b: False)  # the fallback: two renames
    target = tmp_path / "m"
    with durable.replacing(target) as folder:
        assert folder.parent == tmp_path and folder.name.startswith(".new-m.")
        write(folder, "old")
    assert contents(target) == {"a.txt": "old", "sub/b.txt": "oldold"}
    with durable.replacing(target) as folder:
        write(folder, "new")
    assert contents(target) == {"a.txt": "new", "sub/b.txt": "newnew"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_the_kernel_here_can_exchange(tmp_path):
    # The figures and the crash runs of this change were taken with the atomic exchange; on a
    # file system without it, replace_dir falls back to two renames (the test above runs both).
    assert durable.can_exchange(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_leaves_the_old_folder_untouched(tmp_path):
    target = tmp_path / "m"
    with durable.replacing(target) as folder:
        write(folder, "old")
    with pytest.raises(RuntimeError), durable.replacing(target) as folder:
        write(folder, "half")
        raise RuntimeError("the writer failed half-way")
    assert contents(target) == {"a.txt": "old", "sub/b.txt": "oldold"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_a_symlinked_target_keeps_its_link(tmp_path):
    real = tmp_path / "real"
    with durable.replacing(real) as folder:
        write(folder, "old")
    (tmp_path / "link").symlink_to(real)
    with durable.replacing(tmp_path / "link") as folder:
        write(folder, "new")
    assert (tmp_path / "link").is_symlink() and contents(real)["a.txt"] == "new"


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from indicatorml.durable import owned_dir
    with owned_dir(Path(sys.argv[1]), sys.argv[2]) as folder:
        (folder / "upload.xlsx").write_bytes(b"data")
        print(folder, flush=True)
        time.sleep(600)
    """
)


def test_a_live_owner_keeps_its_folder_and_a_killed_ones_is_removed(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), durable.UPLOADS_PREFIX],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        folder = Path(proc.stdout.readline().strip())
        assert folder.is_dir()
        assert durable.clean_stale(tmp_path, (durable.UPLOADS_PREFIX,), grace=0) == []
        assert (folder / "upload.xlsx").read_bytes() == b"data"  # in use: untouched
        # the same process may not take it either (flock belongs to the open file, not the process)
        with durable.owned_dir(tmp_path, durable.UPLOADS_PREFIX) as mine:
            assert durable.clean_stale(tmp_path, (durable.UPLOADS_PREFIX,), grace=0) == []
            assert mine.is_dir()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    removed = durable.clean_stale(tmp_path, (durable.UPLOADS_PREFIX,), grace=0)
    assert removed == [folder] and list(tmp_path.iterdir()) == []


def test_nothing_younger_than_the_grace_period_is_touched(tmp_path):
    dead = tmp_path / ".new-m.0123456789ab"
    dead.mkdir()
    (tmp_path / ".new-m.0123456789ab.lock").write_text(json.dumps({"owner": "indicatorml", "target": "m"}))
    assert durable.clean_stale(tmp_path, grace=60) == []
    assert durable.clean_stale(tmp_path, grace=0) == [dead]
    assert list(tmp_path.iterdir()) == []


def test_files_that_are_not_ours_are_left_alone(tmp_path):
    (tmp_path / ".new-notes.lock").write_text("my own lock file")  # not our name pattern
    (tmp_path / ".new-x.0123456789ab.lock").write_text("someone else's")  # our pattern, not our content
    (tmp_path / ".new-x.0123456789ab").mkdir()
    (tmp_path / "other").mkdir()
    assert durable.clean_stale(tmp_path, grace=0, legacy_after=float("inf")) == []
    assert len(list(tmp_path.iterdir())) == 4


def test_leftovers_of_earlier_versions_go_when_old_and_a_half_replaced_model_comes_back(tmp_path):
    (tmp_path / ".new-job1").mkdir()  # a training job of an earlier version, killed
    (tmp_path / ".old-local").mkdir()  # killed between its two renames: local is missing
    (tmp_path / ".old-local" / "model.json").write_text("{}")
    assert durable.clean_stale(tmp_path, durable.LEGACY_PREFIXES, grace=0) == []  # younger than a day
    removed = durable.clean_stale(tmp_path, durable.LEGACY_PREFIXES, grace=0, legacy_after=0)
    assert sorted(p.name for p in removed) == [".new-job1", "local"]
    assert (
        sorted(p.name for p in tmp_path.iterdir()) == ["local"]
        and (tmp_path / "local" / "model.json").exists()
    )


DIES_BETWEEN_RENAMES = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from indicatorml import durable
    target = Path(sys.argv[1])
    with durable.replacing(target) as folder:
        (folder / "a.txt").write_text("new")
        durable.fsync_tree(folder)
        os.rename(target, folder.with_name(folder.name + ".old"))  # the fallback's first rename
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_death_between_the_fallbacks_two_renames_is_undone_by_the_cleaner(tmp_path):
    target = tmp_path / "m"
    with durable.replacing(target) as folder:
        (folder / "a.txt").write_text("old")
    done = subprocess.run([sys.executable, "-c", DIES_BETWEEN_RENAMES, str(target)], timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert not target.exists()  # the moment the fallback has
    durable.clean_stale(tmp_path, grace=0)
    assert (target / "a.txt").read_text() == "old"  # the save was interrupted: the old one stands
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_clean_leftovers_cleans_models_and_the_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(durable.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    models = tmp_path / "models"
    models.mkdir()
    for folder, prefix in ((models, durable.STAGING_PREFIX), (tmp_path / "tmp", durable.UPLOADS_PREFIX)):
        (folder / f"{prefix}0123456789ab").mkdir()
        (folder / f"{prefix}0123456789ab.lock").write_text(json.dumps({"owner": "indicatorml"}))
    department = models / "departments" / "0f3a"  # a department's models: looked into too
    department.mkdir(parents=True)
    (department / ".new-20250101T000000-abc.0123456789ab").mkdir()
    (department / ".new-20250101T000000-abc.0123456789ab.lock").write_text(
        json.dumps({"owner": "indicatorml"})
    )
    removed = durable.clean_leftovers(models, grace=0)
    assert sorted(p.name for p in removed) == [
        ".new-0123456789ab",
        ".new-20250101T000000-abc.0123456789ab",
        "indicatorml-web-0123456789ab",
    ]
    assert list(department.iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []
    assert list(models.iterdir()) == [models / "departments"]


def test_web_uploads_are_staged_in_an_owned_folder(tmp_path, monkeypatch):
    from indicatorml.web.uploads import Upload, staged

    monkeypatch.setattr(durable.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr("indicatorml.web.uploads.tempfile.gettempdir", lambda: str(tmp_path))
    with staged([Upload("表.xlsx", b"abc")]) as st:
        assert st.folder.parent == tmp_path and st.folder.name.startswith(durable.UPLOADS_PREFIX)
        assert oct(st.folder.stat().st_mode & 0o777) == "0o700"  # uploads in a shared /tmp: ours only
        assert durable.clean_leftovers(None, grace=0) == [] and st.paths[0].read_bytes() == b"abc"
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ models
@pytest.fixture(scope="module")
def shipped():
    return load_model(SHIPPED_MODEL)


def test_save_model_refuses_a_folder_with_other_files_before_touching_it(tmp_path, shipped):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(IndicatormlError, match="已有别的文件.*新的或空的目录"):
        save_model(shipped, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_model_is_replaced_by_another_while_readers_load_it(tmp_path, shipped):
    """Two different models take turns in one folder while a reader loads it again and again:
    every load gives one of the two whole models (a read crossing a replacement is read again)."""
    small = tmp_path / "small"
    save_model(shipped, tmp_path / "big", folds=False)
    big_json = (tmp_path / "big" / "model.json").read_bytes()
    from test_crash_writes import prepare_small

    prepare_small(small)
    small_model = load_model(small)
    small_json = (small / "model.json").read_bytes()
    target = tmp_path / "m"
    save_model(shipped, target)
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(len(load_model(target).classes_))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(12):
            save_model(small_model if i % 2 == 0 else shipped, target)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert errors == [] and len(seen) > 0
    assert (target / "model.json").read_bytes() in (big_json, small_json)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big", "m", "small"]


def test_a_fold_of_a_replaced_model_is_refused_not_mixed(tmp_path, shipped):
    target = tmp_path / "m"
    save_model(shipped, target, folds=True)
    old = load_model(target)  # its folds are read on first use
    from test_crash_writes import prepare_small

    prepare_small(tmp_path / "small")
    save_model(load_model(tmp_path / "small"), target, folds=True)
    with pytest.raises(IndicatormlError, match="换成了另一个模型"):
        old.crossfit_.fold(0)
    assert load_model(target).crossfit_.fold(0) is not None  # the new model's own folds are fine


def test_train_refuses_an_out_folder_with_other_files_before_training(tmp_path):
    from indicatorml.coding import train

    (tmp_path / "report.docx").write_text("not a model")
    with pytest.raises(IndicatormlError, match="已有别的文件"):
        train(out=tmp_path, progress=False)  # would take minutes if it trained first


def test_replace_dir_keeps_the_old_folder_where_the_caller_removes_it(tmp_path):
    old, new = tmp_path / "m", tmp_path / "n"
    old.mkdir()
    (old / "x").write_text("old")
    new.mkdir()
    (new / "x").write_text("new")
    durable.replace_dir(new, old)
    assert (old / "x").read_text() == "new" and (new / "x").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["m", "n"]
