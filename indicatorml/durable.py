"""Folders written whole or not at all, and the leftovers of killed processes removed safely.

Why: a model is a folder of files (arrays + JSON + ``folds/``). Written in place, a process
killed half-way leaves a ``model.json`` beside arrays of another model, or none: refused at
best. So :func:`replacing` builds the new folder under a temporary sibling name, fsyncs every
file and folder, and puts it in place with one rename — on Linux ``renameat2(RENAME_EXCHANGE)``
swaps the new folder and the old atomically, so at every moment the name holds a whole folder,
the old one or the new one, and a reader never finds it missing; the old one is removed after.
Where the file system cannot exchange (not Linux, NFS), the old folder is renamed aside first
and put back by :func:`clean_stale` if the process dies between the two renames.

Which temporary folders may be removed, and how we know: a process that owns one
(:func:`owned_dir`) holds an exclusive ``flock`` on a lock file beside it (``<folder>.lock``)
from before the folder exists until after it is gone. The kernel drops a flock when its process
dies, however it dies (SIGKILL too), and a live process's lock cannot be taken by anyone else
(not even by another open of the same file in the same process: flock locks belong to the open
file, not the process). :func:`clean_stale` removes a folder only once it has taken that lock
itself, so a folder a live process is using is never touched. A folder younger than a grace
period is left alone too (its owner may be between creating the lock and the folder), and a
folder without a lock file (written by an older indicatorml) only when it is a day old.

Shared language: the coding layer saves models through it, the web layer stages uploads and
cleans up at start through it; it imports nothing of indicatorml.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "STAGING_PREFIX",
    "UPLOADS_PREFIX",
    "LEGACY_PREFIXES",
    "GRACE_SECONDS",
    "LEGACY_SECONDS",
    "replacing",
    "owned_dir",
    "replace_dir",
    "fsync_tree",
    "clean_stale",
    "clean_leftovers",
    "can_exchange",
]

STAGING_PREFIX = ".new-"  # a folder being written beside its target (models/.new-local.<token>)
UPLOADS_PREFIX = "indicatorml-web-"  # a server's uploads staged in the temporary folder
LEGACY_PREFIXES = (".new-", ".old-")  # what the web training job of earlier versions left in models/
GRACE_SECONDS = 60.0  # never remove what was created this recently (its owner may be setting it up)
LEGACY_SECONDS = 86_400.0  # a folder without a lock file is removed only when this old
_LOCK = ".lock"
_OLD = ".old"  # <staging>.old: the old folder, renamed aside where an exchange is not possible
_OWNER = "indicatorml"  # written into every lock file: a cleaner touches no one else's files
_TOKEN = re.compile(r"[0-9a-f]{12}")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


# ------------------------------------------------------------------ owning a temporary folder
@contextlib.contextmanager
def owned_dir(parent: Path, prefix: str, target: str | None = None, mode: int = 0o700) -> Iterator[Path]:
    """A new folder ``parent/<prefix><random>`` this process owns (see the module docstring):
    removed with its lock on exit. ``target`` (a sibling's name) is written into the lock file,
    so that a cleaner can put that sibling back if this process dies mid-replacement. ``mode``:
    only this user may read it by default (uploads in a shared /tmp)."""
    parent = Path(parent)
    name = f"{prefix}{target + '.' if target else ''}{secrets.token_hex(6)}"
    folder = parent / name
    lock = parent / f"{name}{_LOCK}"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({"owner": _OWNER, "pid": os.getpid(), "target": target}).encode())
        folder.mkdir(mode)
        try:
            yield folder
        finally:
            _remove(folder)
            _remove(folder.with_name(folder.name + _OLD))
            lock.unlink(missing_ok=True)
    finally:
        os.close(fd)  # the lock goes with it


# ------------------------------------------------------------------ writing a folder whole
@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Write a folder that replaces ``target`` whole, or not at all.

    Yields an empty folder beside ``target`` to write into. When the block ends normally, every
    file and folder in it is fsynced and it takes ``target``'s place in one rename (the old
    ``target``, if any, is removed after); when the block raises, ``target`` is untouched and the
    temporary folder removed. A symlink ``target`` keeps pointing where it did: the folder it
    points to is replaced. Leftovers of killed writers beside ``target`` are removed first.
    """
    target = Path(target)
    if target.is_symlink():
        target = target.resolve()
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent, (STAGING_PREFIX,), legacy_after=float("inf"))  # a user's folder: only ours
    # The mode a plain mkdir gives (0777 less the umask): a model folder others may read, as before.
    with owned_dir(parent, STAGING_PREFIX, target.name, mode=0o777) as folder:
        yield folder
        fsync_tree(folder)
        replace_dir(folder, target)


def replace_dir(new: Path, target: Path, exchange: bool = True) -> None:
    """Put the complete folder ``new`` at ``target`` (same file system), durably.

    If ``target`` exists, the two are exchanged atomically where the kernel can
    (``exchange=False`` forces the other way, for tests): afterwards ``new`` holds the old
    folder, for the caller to remove. Otherwise the old folder is renamed to ``<new>.old`` and
    ``new`` to ``target`` (a moment without ``target``; :func:`clean_stale` puts the old one back
    if the process dies in it). The parent folder is fsynced, so the rename survives a power cut.
    """
    new, target = Path(new), Path(target)
    if not target.exists():
        os.rename(new, target)
    elif not (exchange and _exchange(new, target)):
        aside = new.with_name(new.name + _OLD)
        os.rename(target, aside)
        os.rename(new, target)
        os.rename(aside, new)  # the old folder where the exchange would have left it
    _fsync_path(target.parent)


def can_exchange(folder: Path) -> bool:
    """Whether two folders in ``folder`` can be swapped atomically (renameat2 RENAME_EXCHANGE)."""
    with owned_dir(Path(folder), STAGING_PREFIX) as a, owned_dir(Path(folder), STAGING_PREFIX) as b:
        return _exchange(a, b)


def fsync_tree(root: Path) -> None:
    """fsync every file and folder under ``root`` (and ``root`` itself), deepest first: once this
    returns, the folder's contents are on disk, whatever happens to the machine."""
    for here, dirs, files in os.walk(root, topdown=False):
        for name in files:
            _fsync_path(Path(here) / name, directory=False)
        for name in dirs:
            _fsync_path(Path(here) / name)
    _fsync_path(Path(root))


# ------------------------------------------------------------------ cleaning up after the dead
def clean_stale(
    folder: Path,
    prefixes: tuple[str, ...] = (STAGING_PREFIX,),
    grace: float = GRACE_SECONDS,
    legacy_after: float = LEGACY_SECONDS,
) -> list[Path]:
    """Remove from ``folder`` the temporary folders (names starting with one of ``prefixes``)
    whose owner is dead, and put back a folder a dead owner had renamed aside; what was removed.

    Owned folders go once their lock can be taken; folders without a lock file (older
    indicatorml versions: ``.new-<job>``, ``.old-<name>``) once ``legacy_after`` seconds old (a
    day; ``inf``: never) — an ``.old-<name>`` whose ``<name>`` is missing is renamed back
    instead. Nothing created in the last ``grace`` seconds is touched. Entries that vanish
    meanwhile (another cleaner) are fine.
    """
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not name.startswith(prefixes) or _age(entry, now) < grace:
            continue
        if name.endswith(_LOCK):
            if _TOKEN.fullmatch(name.removesuffix(_LOCK)[-12:]):
                removed += _clean_owned(folder, name.removesuffix(_LOCK))
        elif name.endswith(_OLD) and (folder / f"{name.removesuffix(_OLD)}{_LOCK}").exists():
            continue  # handled with its lock
        elif not (folder / f"{name}{_LOCK}").exists() and _age(entry, now) >= legacy_after:
            removed += _clean_legacy(entry)
    return removed


def clean_leftovers(models: Path | None, grace: float = GRACE_SECONDS) -> list[Path]:
    """What a server calls when it starts: the unfinished model folders of killed writers under
    ``models`` and its subfolders (models/.new-*, models/departments/<key>/.new-*, and the
    .new-*/.old-* of earlier versions) and the staged uploads
    of killed servers in the temporary folder (``/tmp/indicatorml-web-*``), each only once no
    live process owns it. Returns what was removed (or put back)."""
    removed = []
    if models is not None:
        for folder in _model_folders(Path(models)):
            removed += clean_stale(folder, LEGACY_PREFIXES, grace)
    removed += clean_stale(Path(tempfile.gettempdir()), (UPLOADS_PREFIX,), grace)
    return removed


def _model_folders(models: Path, depth: int = 3) -> list[Path]:
    """``models`` and the folders under it to ``depth`` levels (models/departments/<key>/ holds a
    department's models), not descending into temporary folders or a model's own."""
    found, level = [], [models]
    for _ in range(depth + 1):
        found += level
        level = [
            sub
            for folder in level
            if folder.is_dir() and not (folder / "model.json").exists()
            for sub in sorted(folder.iterdir())
            if sub.is_dir() and not sub.is_symlink() and not sub.name.startswith(LEGACY_PREFIXES)
        ]
    return [f for f in found if f.is_dir()]


def _clean_owned(folder: Path, name: str) -> list[Path]:
    lock = folder / f"{name}{_LOCK}"
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return []
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []  # a live process owns it
        owner, target = _read_lock(fd)
        if owner not in (_OWNER, None):
            return []  # a file of that name that is not ours
        removed = []
        staging, aside = folder / name, folder / f"{name}{_OLD}"
        if target is not None and aside.is_dir() and not (folder / target).exists():
            os.rename(aside, folder / target)  # died between the two renames: the old one back
            removed.append(folder / target)
        for path in (staging, aside):
            if path.exists():
                _remove(path)
                removed.append(path)
        lock.unlink(missing_ok=True)
        return removed
    finally:
        os.close(fd)


def _read_lock(fd: int) -> tuple[str | None, str | None]:
    """(owner, target) written in a lock file; (None, None) for an empty one (its owner died
    before writing: the moment after creating it), ("?", None) for content that is not ours."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
        info = json.loads(raw) if raw else {}
    except (OSError, ValueError):
        return "?", None
    if not isinstance(info, dict):
        return "?", None
    target = info.get("target")
    ok = isinstance(target, str) and target and "/" not in target and target not in (".", "..")
    return (info.get("owner", "?") if raw else None), (target if ok else None)


def _clean_legacy(entry: Path) -> list[Path]:
    original = entry.with_name(entry.name.removeprefix(".old-"))
    if entry.name.startswith(".old-") and entry.is_dir() and not original.exists():
        os.rename(entry, original)  # an earlier version's replacement died half-way
        return [original]
    _remove(entry)
    return [entry]


def _age(path: Path, now: float) -> float:
    try:
        return now - path.lstat().st_ctime
    except OSError:
        return -1.0  # gone already: skipped


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync_path(path: Path, directory: bool = True) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _renameat2() -> Any:
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` atomically; False where the kernel or file system cannot."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
