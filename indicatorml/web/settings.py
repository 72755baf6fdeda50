"""What one server is told when it starts: ``indicatorml serve``'s options as one value.

Why a value that travels as JSON: ``serve --workers N`` runs N uvicorn worker processes, each
importing the app through a factory (:func:`indicatorml.web.factory.app_from_env`); the only
thing they share with the command that started them is the environment. So the options are
written to ``$INDICATORML_WEB_SETTINGS`` as JSON (:meth:`Settings.to_json`) and read back in
each worker (:meth:`Settings.from_json`). Everything else a worker needs — reviews, jobs, the
chosen model, the CSRF secret — it reads from the store, which all of them share.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..accounts import DEFAULT_POLICY, AccountPolicy
from ..errors import IndicatormlError
from ..tables.limits import DEFAULT_LIMITS, Limits
from ..tables.pool import PoolSettings

__all__ = ["Settings", "ENV", "LOCAL_NAMES", "default_data_dir"]

ENV = "INDICATORML_WEB_SETTINGS"
# Names that always reach this computer: a DNS-rebinding page cannot take them (see hosts.py).
LOCAL_NAMES = ("localhost", "localhost.localdomain")
_WILDCARDS = ("0.0.0.0", "::", "")


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/indicatorml`` (``~/.local/share/indicatorml``): the store and trained models."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "indicatorml"


@dataclass
class Settings:
    """A server's options (each one is a ``serve`` flag of the same name)."""

    model: str | None = None  # --model DIR: the default model (None: the shipped one)
    index: str | None = None  # --index DIR: the project-goal index of 检索 (None: the shipped data)
    data_dir: Path = field(default_factory=default_data_dir)  # the SQLite store, trained models
    db: str | None = None  # --db URL: the store (None: <data_dir>/indicatorml.sqlite3)
    host: str = "127.0.0.1"  # --host: where the server listens (its name is an allowed Host)
    port: int = 8765
    allowed_hosts: tuple[str, ...] = ()  # --allowed-host: more names users type for this server
    workers: int = 1  # --workers: uvicorn worker processes
    # Uploads are read in worker processes (tables.pool): their number, deadline, memory.
    readers: PoolSettings = field(default_factory=PoolSettings)
    limits: Limits = DEFAULT_LIMITS  # what an uploaded file may claim (tables.limits)
    # All the files of one request are read within this (a batch of 100 hostile files must not
    # hold a worker for 50 minutes); a file past it gets a Problem saying so.
    batch_seconds: float = 120.0
    train_queue: int = 4  # training jobs waiting at most; one more is refused with a message
    library_refresh: float = 2.0  # seconds between looks for reviews stored by other processes
    # Password hashing cost, session lifetimes, lockout (accounts.policy); no flag sets them.
    accounts: AccountPolicy = DEFAULT_POLICY

    @property
    def models_dir(self) -> Path:
        """Where trained models are unpacked (each under its own folder)."""
        return self.data_dir / "models"

    def host_names(self) -> frozenset[str]:
        """The Host names this server answers (lower case, no port): the local names, the name
        it is bound to, and ``--allowed-host``. IP literals are answered whatever this says
        (a DNS-rebinding page cannot send one; see hosts.py)."""
        names = {*LOCAL_NAMES, *(h.strip().lower() for h in self.allowed_hosts if h.strip())}
        if self.host not in _WILDCARDS and not _is_ip(self.host):
            names.add(self.host.lower())
        return frozenset(names)

    def to_json(self) -> str:
        """The options a worker process needs, as JSON (the reader pool and limits are the
        defaults: no flag sets them)."""
        return json.dumps(
            {
                "model": self.model,
                "index": self.index,
                "data_dir": str(self.data_dir),
                "db": self.db,
                "host": self.host,
                "port": self.port,
                "allowed_hosts": list(self.allowed_hosts),
                "workers": self.workers,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Settings:
        try:
            d: Any = json.loads(text)
        except ValueError:
            raise IndicatormlError(f"${ENV} 不是 JSON") from None
        if not isinstance(d, dict):
            raise IndicatormlError(f"${ENV} 应为 JSON 对象")
        return cls(
            model=d.get("model"),
            index=d.get("index"),
            data_dir=Path(d["data_dir"]) if d.get("data_dir") else default_data_dir(),
            db=d.get("db"),
            host=str(d.get("host", "127.0.0.1")),
            port=int(d.get("port", 8765)),
            allowed_hosts=tuple(str(h) for h in d.get("allowed_hosts") or ()),
            workers=int(d.get("workers", 1)),
        )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
