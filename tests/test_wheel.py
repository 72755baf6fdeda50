"""A plain (not editable) install of the wheel works from a folder outside the repository.

Builds the wheel, installs it into a temporary venv and runs classify, search, precedents,
check, ``python -m indicatorml --help`` and ``serve`` + GET /healthz there.

Speed: the temporary venv is made without pip, and a ``.pth`` file in it adds the running
environment's site-packages *after* its own, so the dependencies (numpy, jieba, starlette …)
are found without downloading them again, while ``indicatorml`` itself can only come from the
wheel installed into the venv's own site-packages (checked below). The wheel is installed with
this environment's pip (``pip --python``) and ``--no-deps``.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from helpers import ROOT, SEED
from web_server import free_port

pytestmark = pytest.mark.slow  # builds the wheel and installs it into a fresh venv


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    # Build from a copy: setuptools keeps a build/ folder in the source tree, whose stale files
    # (a module since moved or removed) would otherwise end up in the wheel.
    src = tmp / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".pytest_cache",
            ".ruff_cache",
            ".hypothesis",
            "docs",
            "notebooks",
        ),
    )
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(tmp / "dist")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((tmp / "dist").glob("indicatorml-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    own = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(own) / "_outer_env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    inst = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert inst.returncode == 0, inst.stderr[-2000:]
    work = tmp / "elsewhere"
    work.mkdir()
    shutil.copy(SEED, work / "种子表.txt")
    return {
        "wheel": wheel,
        "venv": venv,
        "py": py,
        "bin": venv / "bin" / "indicatorml",
        "cwd": work,
        "own": own,
    }


def run(installed, *args, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "INDICATORML_MODEL")}
    return subprocess.run(
        [str(a) for a in args], cwd=installed["cwd"], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_wheel_carries_data_and_model_but_no_pickles_or_caches(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert "indicatorml/_shipped/models/default/model.json" in names
    assert "indicatorml/_shipped/models/default/folds/0/coef.npy" in names  # the cross-fitted folds
    assert "indicatorml/_shipped/data/corpus/public_indicators.tsv" in names
    assert any(n.startswith("indicatorml/_shipped/data/seed/") for n in names)
    assert "indicatorml/web/templates/base.html" in names and "indicatorml/web/static/app.js" in names
    assert "indicatorml/store/migrations/env.py" in names  # the store's Alembic migrations
    assert "indicatorml/store/migrations/versions/v0001_first_schema.py" in names
    bad = [
        n
        for n in names
        if n.endswith((".pkl", ".pickle", ".pyc", ".joblib")) or "__pycache__" in n or ".ipynb" in n
    ]
    assert bad == []


def test_installed_package_is_the_wheel_not_the_clone(installed):
    r = run(
        installed,
        installed["py"],
        "-c",
        "import indicatorml, indicatorml.shipped as s; print(indicatorml.__file__); print(s.MODEL_DIR)",
    )
    assert r.returncode == 0, r.stderr
    where, model = r.stdout.split()
    assert where.startswith(installed["own"]) and str(ROOT) not in model


def test_cli_works_from_outside_the_repo(installed):
    r = run(installed, installed["bin"], "classify", "服务对象满意度")
    assert r.returncode == 0 and "31-服务对象满意度指标" in r.stdout, r.stderr
    r = run(installed, installed["bin"], "search", "满意度")
    assert r.returncode == 0 and "满意度" in r.stdout, r.stderr
    r = run(installed, installed["bin"], "precedents", "资金支付及时率")
    assert r.returncode == 0 and "13-时效指标" in r.stdout, r.stderr
    r = run(installed, installed["bin"], "check", "种子表.txt", "--format", "jsonl")
    assert r.returncode == 0 and len(r.stdout.splitlines()) > 20, r.stderr
    r = run(installed, installed["py"], "-m", "indicatorml", "--help")
    assert r.returncode == 0 and "serve" in r.stdout


def test_the_store_migrates_from_the_installed_package(installed):
    r = run(
        installed,
        installed["py"],
        "-c",
        "from pathlib import Path; from indicatorml.store import open_store; import indicatorml.store as m; "
        "s = open_store(None, Path('store-data')); print(s.revision()); print(m.__file__)",
    )
    assert r.returncode == 0, r.stderr
    revision, where = r.stdout.split()
    assert revision == "0004" and where.startswith(installed["own"])
    assert (installed["cwd"] / "store-data" / "indicatorml.sqlite3").is_file()


def test_serve_answers_healthz(installed):
    port = free_port()
    proc = subprocess.Popen(
        [str(installed["bin"]), "serve", "--port", str(port), "--data-dir", str(installed["cwd"] / "srv")],
        cwd=installed["cwd"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    body = json.loads(resp.read())
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.25)
        assert body == {"status": "ok"}, proc.stdout.read() if proc.poll() is not None else "no answer"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/review", timeout=5) as resp:
            assert "审核绩效目标表" in resp.read().decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
