"""Which model a request uses: the default one, or the one trained on this server (本单位模型).

Why the store and not files beside the server: with ``serve --workers N``, or two servers on one
database, a choice made on one process must hold on every other at once, and a model trained
by a job that one process ran must be usable by all. So:

* the choice is the store setting ``web.model_choice`` (``"default"`` or ``"local"``), read
  on every use (one small query);
* a trained model is published as the setting ``web.local_model`` — its training job, the
  sha256 of its ``model.json`` (:class:`~indicatorml.reviews.ModelIdentity`'s hash), its
  figures for the page — and its folder, zipped, as a store blob. A process that lacks the
  folder unpacks the blob under ``<data-dir>/models/local-<hash>/`` (into an owned
  temporary sibling first, fsynced, then renamed: a crash leaves no half model). Models are plain arrays + JSON.

Per-department models (issue 17): a department's own model
(:mod:`indicatorml.reviews.department_model`, trained by a store job from its reviewed rows) is
used for that department's reviews and classify requests — :meth:`ModelRegistry.for_department`
— unless the request names a model (``?model=default|local``); a department without one gets
the chosen model as before. No department ever gets another's model.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..durable import STAGING_PREFIX, fsync_tree, owned_dir
from ..errors import IndicatormlError
from ..store import AuditIn, Store
from .settings import Settings

if TYPE_CHECKING:
    from ..coding import IndicatorClassifier

__all__ = ["DEFAULT", "LOCAL", "CHOICE_KEY", "LOCAL_KEY", "ModelRegistry", "zip_model", "unzip_model"]

DEFAULT = "default"
LOCAL = "local"
CHOICE_KEY = "web.model_choice"
LOCAL_KEY = "web.local_model"
_MEMBER = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_MAX_UNZIPPED = 512 * 1024 * 1024


class ModelRegistry:
    """The models of one server (module docstring)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store

    # ---------------------------------------------------------------- the choice
    def choice(self) -> str:
        """``"local"`` when chosen and a local model exists, else ``"default"``."""
        return LOCAL if self.store.get_setting(CHOICE_KEY) == LOCAL and self.local() else DEFAULT

    def choose(self, which: str, audit: AuditIn | None = None) -> str:
        """Use ``which`` on every page and API call of every server process; what is now used.
        ``audit``: the "model_switched" line written with the setting (who, from where)."""
        chosen = LOCAL if which == LOCAL and self.local() else DEFAULT
        if audit is not None:
            audit = cast(AuditIn, {**audit, "details": {"model": chosen, "asked": which[:20]}})
        self.store.set_setting(CHOICE_KEY, chosen, audit=audit)
        return chosen

    def resolve(self, requested: str | None) -> str:
        """The model a request asked for (``?model=default|local``), else the chosen one."""
        if requested in (None, ""):
            return self.choice()
        if requested == LOCAL:
            if not self.local():
                raise IndicatormlError("这个服务器还没有本单位模型:请先在「本单位模型」页训练")
            return LOCAL
        if requested == DEFAULT:
            return DEFAULT
        raise IndicatormlError(f"model 只能是 default 或 local,收到 {str(requested)[:40]!r}")

    # ---------------------------------------------------------------- the local model
    def local(self) -> dict[str, Any] | None:
        """What ``web.local_model`` says of the model trained here (None: none yet)."""
        info = self.store.get_setting(LOCAL_KEY)
        return info if isinstance(info, dict) and info.get("blob") else None

    def publish(self, directory: Path, info: dict[str, Any]) -> dict[str, Any]:
        """Make the model in ``directory`` this server's local model (for every process)."""
        sha = self.store.put_blob(zip_model(directory))
        digest = hashlib.sha256((directory / "model.json").read_bytes()).hexdigest()
        published = {**info, "blob": sha, "hash": digest}
        self.store.set_setting(LOCAL_KEY, published)
        return published

    def local_dir(self) -> Path | None:
        """The local model's folder in this process's data folder, unpacked if needed."""
        info = self.local()
        if info is None:
            return None
        target = self.settings.models_dir / f"local-{str(info['hash'])[:16]}"
        if not (target / "model.json").is_file():
            unzip_model(self.store.get_blob(str(info["blob"])), target)
        return target

    # ---------------------------------------------------------------- models
    def model_dir(self, which: str | None = None) -> str | None:
        """The folder of ``which`` (default: the chosen one); None means the shipped model."""
        if (which or self.choice()) == LOCAL:
            local = self.local_dir()
            if local is not None:
                return str(local)
        return self.settings.model

    def model(self, which: str | None = None) -> IndicatorClassifier:
        from ..coding import load_model

        return load_model(self.model_dir(which))

    # ---------------------------------------------------------------- a department's own model
    def for_department(self, department: str | None) -> tuple[str, str] | None:
        """``department``'s own active model as (folder, name), None when it has none."""
        from ..reviews.department_model import model_for_department

        if department is None or not department.strip():
            return None
        path, name = model_for_department(self.store, self.settings.data_dir, department)
        return (str(path), str(name)) if path is not None else None

    def model_for(self, department: str | None, requested: str | None) -> IndicatorClassifier:
        """The model a request of ``department`` uses: the one it names (``?model=``), else the
        department's own, else the chosen one."""
        from ..coding import load_model

        own = self.for_department(department) if requested in (None, "") else None
        return load_model(own[0]) if own is not None else self.model(self.resolve(requested))


def zip_model(directory: Path) -> bytes:
    """A model folder as zip bytes (members in name order, no clock times: same model, same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(directory.rglob("*")):
            if p.is_file():
                member = zipfile.ZipInfo(p.relative_to(directory).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                member.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(member, p.read_bytes())
    return buf.getvalue()


def unzip_model(data: bytes, target: Path) -> None:
    """Unpack a zipped model into ``target`` (a temporary sibling renamed into place; if another
    process got there first, its copy stays). Only plain relative member names are accepted."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # An owned scratch folder (durable.owned_dir): a process killed while unpacking leaves
    # nothing a later server's clean_leftovers does not remove.
    with owned_dir(target.parent, STAGING_PREFIX) as scratch:
        tmp = scratch / "model"
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise IndicatormlError("本单位模型的压缩包已损坏,没有使用") from None
        with archive as z:
            members = z.infolist()
            if sum(m.file_size for m in members) > _MAX_UNZIPPED:
                raise IndicatormlError("本单位模型的压缩包解开后过大,没有使用")
            for m in members:
                if not _MEMBER.fullmatch(m.filename) or ".." in m.filename.split("/"):
                    raise IndicatormlError("本单位模型的压缩包里有不合规的文件名,没有使用")
                out = tmp / m.filename
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(z.read(m))
        fsync_tree(tmp)
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "model.json").is_file():
                raise
