"""Render the README's picture of a checked workbook (a one-off, not a test):
``.venv/bin/python scripts/render_docs.py``.

1. Build ``docs/examples/绩效目标申报表.xlsx``: a filled-in 申报表 form as a department sends it
   (merged title, header block, 一级指标 merged over its rows, a 合计 formula, a 填表说明 sheet).
2. ``indicatorml check`` it into ``docs/examples/绩效目标申报表.审核.xlsx`` — the user's workbook
   with the findings marked (the shipped model checks the categories).
3. Render a copy with LibreOffice headless (``soffice --convert-to pdf``; comments made visible
   and printed where they stand, only in that copy) and ``pdftoppm -png -r 96`` its first page (cropped to what is drawn) to
   ``docs/check-workbook.png``, and the 问题清单 page to ``docs/check-list.png``.

Needs LibreOffice (``soffice``) and poppler-utils (``pdftoppm``) on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE = DOCS / "examples" / "绩效目标申报表.xlsx"
CHECKED = DOCS / "examples" / "绩效目标申报表.审核.xlsx"


def build_example(path: Path) -> None:
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    ws = wb.active
    ws.title = "合规培训项目"
    ws["A1"] = "2025年项目支出绩效目标申报表"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A1:E1")
    block = [
        ("项目名称", "企业合规培训项目"),
        ("主管部门", "区商务和金融工作局"),
        ("年度绩效目标", "开展企业合规培训,服务辖区企业200家,提升企业合规经营水平。"),
    ]
    for r, (k, v) in enumerate(block, start=2):
        ws.cell(row=r, column=1, value=k).border = box
        ws.cell(row=r, column=2, value=v).border = box
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=5)
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "分值"]
    grey = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
    for c, h in enumerate(header, start=1):
        cell = ws.cell(row=5, column=c, value=h)
        cell.font, cell.fill, cell.border = Font(bold=True), grey, box
        cell.alignment = Alignment(horizontal="center")
    rows = [
        ("产出指标", "数量指标", "培训企业数量", "≥95%"),
        ("", "质量指标", "培训合格率", "≥95%"),
        ("", "时效指标", "培训完成时间", "及时"),
        ("", "成本指标", "培训成本", "≤20万元"),
        ("效益指标", "社会效益指标", "企业对培训的满意度", "≥90%"),
        ("", "数量指标", "宣传覆盖企业数", "≥100家"),
        ("满意度指标", "服务对象满意度指标", "参训企业满意度", "≥120%"),
    ]
    for r, row in enumerate(rows, start=6):
        for c, v in enumerate([*row, 10], start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.border = box
            cell.alignment = Alignment(vertical="center")
    ws.merge_cells("A6:A9")
    ws.merge_cells("A10:A11")
    ws.cell(row=13, column=1, value="合计").font = Font(bold=True)
    ws.cell(row=13, column=5, value="=SUM(E6:E12)")
    ws["D8"].comment = Comment("张三:完成时间待定", "张三")
    for col, w in zip("ABCDE", (12, 16, 22, 12, 6), strict=True):
        ws.column_dimensions[col].width = w
    ws.row_dimensions[1].height = 26
    ws.freeze_panes = "A6"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    notes = wb.create_sheet("填表说明")
    notes["A1"] = "一、指标值须可考核:写明数字和比较符(≥、≤、=)。"
    notes.column_dimensions["A"].width = 60
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _show_notes(vml: bytes, first_row: int) -> bytes:
    """Comments visible, each box placed below the table (side by side, callout to its cell)."""
    k = 0

    def place(m: re.Match) -> bytes:
        nonlocal k
        ns, body = m.group(1), m.group(2)
        # two boxes a row: columns A–D and F–G (0-based 0→4, 5→7), four rows high each
        left, right = ((0, 4), (5, 7))[k % 2]
        top = first_row + 5 * (k // 2)
        k += 1
        anchor = f"{left}, 4, {top}, 0, {right}, -4, {top + 4}, 0".encode()
        return (
            b"<"
            + ns
            + b":ClientData"
            + body
            + b"<"
            + ns
            + b":Visible/><"
            + ns
            + b":Anchor>"
            + anchor
            + b"</"
            + ns
            + b":Anchor></"
            + ns
            + b":ClientData>"
        )

    vml = vml.replace(b"visibility:hidden", b"visibility:visible")
    return re.sub(rb"<(\w+):ClientData(.*?)</\1:ClientData>", place, vml, flags=re.S)


def _render_copy(checked: Path, tmp: Path) -> Path:
    """A copy for the picture only: comments shown below the table, A3 landscape, one page wide."""
    wb = load_workbook(checked)
    for ws in wb.worksheets:
        ws.page_setup.cellComments = "asDisplayed"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A3
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    staged = tmp / "staged.xlsx"
    wb.save(staged)
    shown = tmp / "checked.xlsx"
    with zipfile.ZipFile(staged) as zin, zipfile.ZipFile(shown, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".vml"):
                data = _show_notes(data, first_row=14)
            zout.writestr(item, data)
    return shown


def _crop(png: Path, out: Path, margin: int = 12) -> None:
    """The page cut to what is drawn on it."""
    from PIL import Image, ImageChops

    im = Image.open(png).convert("RGB")
    box = ImageChops.difference(im, Image.new("RGB", im.size, "white")).getbbox()
    if box:
        im = im.crop(
            (
                max(box[0] - margin, 0),
                max(box[1] - margin, 0),
                min(box[2] + margin, im.width),
                min(box[3] + margin, im.height),
            )
        )
    im.save(out, optimize=True)


def main() -> int:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            print(f"render_docs: {tool} not found (install LibreOffice / poppler-utils)", file=sys.stderr)
            return 1
    build_example(EXAMPLE)
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "indicatorml"), "check", EXAMPLE.name, "-o", CHECKED.name],
        check=True,
        cwd=EXAMPLE.parent,
    )
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        shown = _render_copy(CHECKED, tmp)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(shown)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        pdf = tmp / "checked.pdf"
        subprocess.run(["pdftoppm", "-png", "-r", "96", str(pdf), str(tmp / "page")], check=True)
        pages = sorted(tmp.glob("page*.png"))
        print("pages:", [p.name for p in pages])
        _crop(pages[0], DOCS / "check-workbook.png")
        _crop(pages[-1], DOCS / "check-list.png")
    for p in (DOCS / "check-workbook.png", DOCS / "check-list.png"):
        print(f"{p.relative_to(ROOT)}: {p.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
