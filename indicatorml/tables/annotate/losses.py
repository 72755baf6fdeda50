"""What openpyxl drops from a user's workbook (text boxes, shapes, macros…), found in the file's parts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["losses", "lost_line"]


def lost_line(src: str | Path, out: str | Path, lost: Sequence[str]) -> str:
    """The warning for :func:`losses`: one line naming what the output lacks."""
    return f"indicatorml: warning: {src}: 写出的 {out} 不含原表的{'、'.join(lost)}(openpyxl 不能保留)"


def losses(workbook: str | Path | bytes) -> list[str]:
    """What openpyxl will not carry from this workbook (a path, or its bytes) into the written
    one (checked in the file's parts): each a short Chinese phrase for a warning. Empty when
    nothing is lost."""
    import io
    import re
    import zipfile

    out: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook) as z:
            names = z.namelist()
            drawings = [z.read(n) for n in names if re.match(r"xl/drawings/drawing\d+\.xml$", n)]
            sheets = [z.read(n) for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n)]
    except (OSError, zipfile.BadZipFile):
        return out
    if any(re.search(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)[ >]", d) for d in drawings):
        out.append("文本框和形状")
    if any(n.startswith("xl/media/") for n in names):
        try:
            import PIL  # noqa: F401 - openpyxl keeps images only with Pillow installed
        except ImportError:
            out.append("图片(未安装 Pillow)")
    if "xl/vbaProject.bin" in names:
        out.append("宏(VBA)")
    if any(n.startswith(("xl/ctrlProps/", "xl/activeX/")) for n in names):
        out.append("表单控件")
    if any(n.startswith(("xl/slicers/", "xl/timelines/")) for n in names):
        out.append("切片器")
    if any(b"sparklineGroup" in s for s in sheets):
        out.append("迷你图")
    return out
