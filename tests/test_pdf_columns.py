"""Table 三 in a PDF whose empty cells print nothing: the header columns place each number."""
from __future__ import annotations

import io
from pathlib import Path

from fixtures.reports import _cid_font as cid_font

from pipeline.extract.tables import extract_table_figures
from pipeline.model import SourceDoc
from pipeline.process import process_bytes

HEADERS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
COLUMNS = [250 + 45 * i for i in range(7)]
# (label, values by column; None prints nothing)
ROWS = [("一、本年新收政府信息公开申请数量", [30, None, None, None, None, None, 30]),
        ("二、上年结转政府信息公开申请数量", [1, None, None, None, None, None, 1]),
        ("（一）予以公开", [12, None, None, None, 2, None, 14])]


def _pdf(header_xs: list[float] = COLUMNS, value_xs: list[float] = COLUMNS,
         rows: list[tuple[str, list[int | None]]] = ROWS) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = cid_font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    y = 800
    for line in ["某某县2023年政府信息公开工作年度报告", "一、总体情况", "全年受理政府信息公开申请30件。",
                 "三、收到和处理政府信息公开申请情况", "申请人情况"]:
        pdf.setFont(font, 10)
        pdf.drawString(40, y, line)
        y -= 18
    for x, header in zip(header_xs, HEADERS):
        pdf.setFont(font, 7)
        pdf.drawCentredString(x, y, header)
    y -= 18
    for label, values in rows:
        pdf.setFont(font, 9)
        pdf.drawString(40, y, label)
        for x, value in zip(value_xs, values):
            if value is not None:
                pdf.drawCentredString(x, y, str(value))
        y -= 18
    pdf.drawString(40, y, "四、结转下年度继续办理")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def test_numbers_land_in_their_header_columns_and_empty_cells_are_null() -> None:
    result = process_bytes(_pdf(), SourceDoc(path=Path("report.pdf")))
    doc = result.document
    rows = [t for _, t in doc.line_texts() if t.startswith(("一、本年新收", "（一）予以公开"))]
    assert rows == ["一、本年新收政府信息公开申请数量30 — — — — — 30", "（一）予以公开12 — — — 2 — 14"]


def test_header_spanning_two_columns_above_one_value_column() -> None:
    """自然人 centred over its narrow value column and a wide column the rows leave empty
    (issue 10, item 7): a row printing all seven numbers places the columns, not the header."""
    values = [230, 345, 385, 425, 465, 505, 545]
    header = [(215 + 325) / 2] + values[1:]  # 自然人 spans 215–325; its values print at 230
    rows = ROWS + [("（七）总计", [12, 1, 1, 1, 2, 1, 18])]
    result = process_bytes(_pdf(header, values, rows), SourceDoc(path=Path("report.pdf")))
    lines = [t for _, t in result.document.line_texts() if t.startswith(("一、本年新收", "（一）予以公开"))]
    assert lines == ["一、本年新收政府信息公开申请数量30 — — — — — 30", "（一）予以公开12 — — — 2 — 14"]


def _review_pdf(values: list[int | None]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = cid_font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setFont(font, 10)
    pdf.drawString(40, 800, "某某县2023年政府信息公开工作年度报告")
    pdf.drawString(40, 780, "四、政府信息公开行政复议、行政诉讼情况")
    heads = ["维持", "纠正", "其他", "尚未", "总计"] * 3
    xs = [60 + 32 * i for i in range(15)]
    pdf.setFont(font, 7)
    for x, head in zip(xs, heads):
        pdf.drawCentredString(x, 750, head)
    for x, value in zip(xs, values):
        if value is not None:
            pdf.drawCentredString(x, 730, str(value))
    pdf.setFont(font, 10)
    pdf.drawString(40, 700, "五、存在的主要问题及改进情况")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def test_review_table_numbers_land_under_their_heads() -> None:
    values = [3, None, None, 1, 4] + [None] * 5 + [1, None, None, None, 1]
    result = process_bytes(_review_pdf(values), SourceDoc(path=Path("report.pdf")))
    [row] = [t for _, t in result.document.line_texts() if t.startswith("3 ")]
    assert row.split() == ["3", "—", "—", "1", "4"] + ["—"] * 5 + ["1", "—", "—", "—", "1"]
    got = {f.key: f.value for f in extract_table_figures(result.document, "std2021")}
    assert (got["review.upheld"], got["review.corrected"], got["review.total"]) == (3, None, 4)
    assert got["litigation.direct.total"] is None and got["litigation.after_review.total"] == 1
