"""The one exception type the CLI turns into a clear message instead of a traceback, and the
Chinese words for why the operating system refused a file."""

from __future__ import annotations

import errno

__all__ = ["IndicatormlError", "os_reason"]


class IndicatormlError(Exception):
    """A problem the user can fix (bad file, bad model directory, bad option): say it plainly."""


# The refusals a user meets with their own files, in their words; any other keeps the system's
# text as a technical detail, so nothing is lost.
_OS_REASONS = {
    errno.ENOENT: "没有这个文件或目录",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘空间已满",
    errno.EISDIR: "这是一个目录,不是文件",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.EROFS: "只读的文件系统,不能写入",
    errno.EEXIST: "已经存在",
    errno.ENAMETOOLONG: "文件名太长",
}


def os_reason(e: OSError) -> str:
    """Why ``e`` refused a file, in Chinese; an unusual refusal as ``(技术细节: …)``."""
    known = _OS_REASONS.get(e.errno) if e.errno is not None else None
    return known or f"系统拒绝了这次操作(技术细节: {e.strerror or e})"
