"""What one server holds: its settings, which model the pages use, recent reviews and training jobs,
and the pool of reader processes every uploaded file is read in.

Memory, by design: the default model and the precedent index are loaded once at start (a few
MB each, see benchmarks/bench_web.py); the last ``REVIEWS_KEPT`` uploads of the 审核 page are
kept (each at most 20 MB) so their workbook and coded file can be downloaded; training jobs
keep their status and figures only. Trained models live on disk under ``--data-dir``.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..tables.limits import DEFAULT_LIMITS, Limits
from ..tables.pool import PoolSettings, ReaderPool
from ..tables.reading import ReadPolicy, reading
from .uploads import Upload

if TYPE_CHECKING:
    from ..coding import IndicatorClassifier
    from ..precedents import PrecedentIndex

REVIEWS_KEPT = 8
REVIEW_SECONDS = 3600
LOCAL = "local"
DEFAULT = "default"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "indicatorml"


@dataclass
class Settings:
    model: str | None = None  # --model DIR: the server's default model (None: the shipped one)
    index: str | None = None  # --index DIR (None: the shipped data, indexed in memory)
    data_dir: Path = field(default_factory=default_data_dir)
    # Uploads are read in worker processes (tables.pool): their number, deadline, memory.
    readers: PoolSettings = field(default_factory=PoolSettings)
    limits: Limits = DEFAULT_LIMITS  # what an uploaded file may claim (tables.limits)
    # All the files of one request are read within this (a batch of 100 hostile files must not
    # hold a worker for 50 minutes); a file past it gets a Problem saying so.
    batch_seconds: float = 120.0

    @property
    def local_model_dir(self) -> Path:
        return self.data_dir / "models" / LOCAL

    @property
    def local_figures_path(self) -> Path:
        return self.data_dir / "models" / f"{LOCAL}.figures.json"

    @property
    def choice_path(self) -> Path:
        return self.data_dir / "active-model.json"


class Reviews:
    """The last few uploads of the 审核 page, by an unguessable token."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, list[Upload]]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, uploads: list[Upload]) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._items[token] = (time.monotonic(), uploads)
            while len(self._items) > REVIEWS_KEPT:
                self._items.popitem(last=False)
        return token

    def get(self, token: str) -> list[Upload] | None:
        with self._lock:
            item = self._items.get(token)
            if item is None or time.monotonic() - item[0] > REVIEW_SECONDS:
                self._items.pop(token, None)
                return None
            return item[1]


@dataclass
class Job:
    """A training job as the 本单位模型 page shows it."""

    id: str
    files: list[str]
    state: str = "queued"  # queued, running, done, failed
    stage: str = "排队中"
    started: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    expected_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        end = self.finished or time.time()
        return {
            "id": self.id,
            "files": self.files,
            "state": self.state,
            "stage": self.stage,
            "elapsed": round(end - self.started, 1),
            "expected_seconds": self.expected_seconds,
            "error": self.error,
        }


class ServerState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reviews = Reviews()
        self.jobs: dict[str, Job] = {}
        self.train_lock = threading.Lock()
        self.last_train_seconds: float | None = None
        self._choice = self._read_choice()
        self.readers = ReaderPool(settings.readers)

    @contextmanager
    def reading_uploads(self) -> Iterator[ReadPolicy]:
        """Every file read in this block (this thread) is read in a worker of the server's
        pool, under the server's limits and the batch deadline."""
        s = self.settings
        with reading(limits=s.limits, pool=self.readers, batch_seconds=s.batch_seconds) as policy:
            yield policy

    # ---------------------------------------------------------------- which model
    def _read_choice(self) -> str:
        try:
            c = json.loads(self.settings.choice_path.read_text(encoding="utf-8")).get("model")
        except (OSError, ValueError, AttributeError):
            return DEFAULT
        return LOCAL if c == LOCAL and self.has_local() else DEFAULT

    def has_local(self) -> bool:
        return (self.settings.local_model_dir / "model.json").is_file()

    @property
    def choice(self) -> str:
        return LOCAL if self._choice == LOCAL and self.has_local() else DEFAULT

    def choose(self, which: str) -> None:
        self._choice = LOCAL if which == LOCAL and self.has_local() else DEFAULT
        self.settings.choice_path.parent.mkdir(parents=True, exist_ok=True)
        self.settings.choice_path.write_text(json.dumps({"model": self._choice}), encoding="utf-8")

    def model_dir(self, which: str | None = None) -> str | None:
        """The model directory for ``which`` (default: the chosen one); None is the shipped model."""
        which = which or self.choice
        if which == LOCAL and self.has_local():
            return str(self.settings.local_model_dir)
        return self.settings.model

    def model(self, which: str | None = None) -> IndicatorClassifier:
        from ..coding import load_model

        return load_model(self.model_dir(which))

    def index(self) -> PrecedentIndex:
        from ..precedents import load_index

        return load_index(self.settings.index)

    def local_figures(self) -> dict[str, Any] | None:
        if not self.has_local():
            return None
        try:
            return json.loads(self.settings.local_figures_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
