"""read: bytes → RawDocument (decoding, HTML content, tables as grids, PDF, Word)."""
from __future__ import annotations

import io
import os

import docx
import pytest
from fixtures.reports import _cid_font, pdf_from_pages

from pipeline.model import DocumentError, RawTable
from pipeline.read import read_bytes
from pipeline.read.decode import decode, http_charset

REPORT = "本机关全年主动公开政府信息一千余条，受理政府信息公开申请二十一件，均已按时答复，未收取任何费用。"


def page(body: str, head: str = "", title: str = "某某区2023年政府信息公开工作年度报告") -> str:
    return f"<html><head>{head}<title>{title} - 某某区人民政府</title></head><body>{body}</body></html>"


def texts(raw) -> list[str]:
    return [b for b in raw.blocks if isinstance(b, str)]


def tables(raw) -> list[RawTable]:
    return [b for b in raw.blocks if isinstance(b, RawTable)]


# ------------------------------------------------------------------ decoding

def test_utf8_page() -> None:
    raw = read_bytes(page(f'<div id="zoom"><p>{REPORT * 3}</p></div>', '<meta charset="utf-8">').encode(), "a.html")
    assert raw.encoding == "utf-8"
    assert texts(raw) == [REPORT * 3]


def test_gb2312_declared_page_decodes_as_gb18030() -> None:
    # 镕 and 堃 are not in GB2312; GBK/GB18030 pages declaring gb2312 use them all the time.
    body = f'<div id="zoom"><p>{REPORT * 3}</p><p>联系人：朱镕基、王堃</p></div>'
    data = page(body, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    raw = read_bytes(data, "a.html")
    assert raw.encoding == "gb18030"
    assert "联系人：朱镕基、王堃" in texts(raw)


@pytest.mark.parametrize(("bom", "codec"), [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le")])
def test_bom_wins_over_declaration(bom: bytes, codec: str) -> None:
    html = page(f'<div id="zoom"><p>{REPORT * 3}</p></div>', '<meta charset="gbk">')
    raw = read_bytes(bom + html.encode(codec), "a.html")
    assert raw.encoding == codec
    assert texts(raw) == [REPORT * 3]


def test_decode_bom_utf8_text() -> None:
    assert decode(b"\xef\xbb\xbf" + "政府信息公开".encode()) == ("政府信息公开", "utf-8")


def test_declared_utf8_but_gbk_bytes_falls_back() -> None:
    data = page(f'<div id="zoom"><p>{REPORT * 3}</p></div>', '<meta charset="utf-8">').encode("gb18030")
    raw = read_bytes(data, "a.html")
    assert raw.encoding == "gb18030"
    assert texts(raw) == [REPORT * 3]


def test_declared_latin1_but_utf8_bytes_falls_back() -> None:
    """Servers and old templates declare ISO-8859-1 for UTF-8 bodies (report-format.md §10);
    latin-1 decodes any byte string, so the declaration must not be trusted blindly."""
    data = page(f'<div id="zoom"><p>{REPORT * 3}</p></div>',
                '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">').encode("utf-8")
    raw = read_bytes(data, "a.html")
    assert texts(raw) == [REPORT * 3], raw.blocks[:1]


def test_undeclared_gbk_text_detected() -> None:
    text, encoding = decode((REPORT * 5).encode("gb18030"))
    assert text == REPORT * 5
    assert encoding == "gb18030"


@pytest.mark.parametrize(("content_type", "charset"), [
    ("text/html; charset=GBK", "gb18030"), ('text/plain; charset="Big5"', "big5"),
    ("text/html", None), (None, None), ("text/html; charset=no-such-codec", None)])
def test_http_charset(content_type: str | None, charset: str | None) -> None:
    assert http_charset(content_type) == charset


def test_binary_garbage_is_an_error() -> None:
    data = os.urandom(4000)
    with pytest.raises(DocumentError, match="binary|corrupt"):
        read_bytes(data, "a.html")


def test_binary_garbage_named_txt_is_an_error() -> None:
    with pytest.raises(DocumentError, match="binary|corrupt"):
        read_bytes(bytes(range(256)) * 20, "notes.txt")


@pytest.mark.parametrize("name", ["a.html", "a.pdf", "a.txt", "a.docx"])
def test_empty_is_an_error(name: str) -> None:
    with pytest.raises(DocumentError, match="empty"):
        read_bytes(b"", name)


# ------------------------------------------------------------------ HTML content

SIDEBAR = "<div class='side'><p>" + "热点专题：优化营商环境，推进乡村振兴，深化放管服改革，建设美丽城乡家园。" * 4 + "</p></div>"
NAV = "<div class='nav'>" + "".join(f"<a href='/c{i}/'>栏目导航第{i}项链接</a>" for i in range(30)) + "</div>"
FOOT = "<div class='foot'><p>主办单位：某某区人民政府办公室</p><p>网站标识码：3208290001</p><p>版权所有 联系我们</p></div>"


@pytest.mark.parametrize("container", [
    '<div class="TRS_Editor">{}</div>',
    '<div id="zoom">{}</div>',
    "<ucapcontent>{}</ucapcontent>",
    '<div class="wrap"><div class="TRS_Editor"><div class="Custom_UnionStyle">{}</div></div></div>',
])
def test_known_containers(container: str) -> None:
    article = "".join(f"<p>{n}、{REPORT}</p>" for n in "一二三四")
    raw = read_bytes(page(NAV + SIDEBAR + container.format(article) + FOOT).encode(), "a.html")
    assert texts(raw) == [f"{n}、{REPORT}" for n in "一二三四"]


def test_density_fallback_without_known_container() -> None:
    article = "".join(f"<p>{n}、{REPORT}</p>" for n in "一二三四")
    body = NAV + '<div class="layout"><div class="left">' + "".join(
        f"<a href='/x{i}'>相关链接{i}</a>" for i in range(10)) + f'</div><div class="article">{article}</div></div>' + FOOT
    raw = read_bytes(page(body).encode(), "a.html")
    assert texts(raw) == [f"{n}、{REPORT}" for n in "一二三四"]


def test_boilerplate_lines_dropped() -> None:
    article = (f"<p>{REPORT}</p><p>扫一扫在手机上查看当前页面</p>"
               "<p>您访问的链接即将离开“某某区人民政府”门户网站 是否继续？</p><p>【打印】【关闭】</p>"
               f"<p>二、{REPORT}</p>")
    raw = read_bytes(page(f'<div id="zoom">{article}</div>').encode(), "a.html")
    assert texts(raw) == [REPORT, "二、" + REPORT]


def test_title_from_meta_and_title_tag() -> None:
    body = f'<div id="zoom"><p>{REPORT * 3}</p></div>'
    raw = read_bytes(page(body).encode(), "a.html")
    assert raw.title == "某某区2023年政府信息公开工作年度报告"
    meta = '<meta name="ArticleTitle" content="某某县2019年政府信息公开工作年度报告">'
    assert read_bytes(page(body, meta).encode(), "a.html").title == "某某县2019年政府信息公开工作年度报告"


def test_word_split_spans_join() -> None:
    article = (f"<p>{REPORT * 2}</p>"
               '<p><span style="font-family:仿宋">20</span><span lang="EN-US">23</span>年，共发布信息'
               '<span>1</span><span>5</span><span>15</span>条。</p>'
               '<table><tr><td><p><span>2</span><span>1</span></p></td><td><span>7730</span>.<span>28</span></td></tr></table>')
    raw = read_bytes(page(f'<div id="zoom">{article}</div>').encode(), "a.html")
    assert "2023年，共发布信息1515条。" in texts(raw)
    assert tables(raw)[0].rows == [["21", "7730.28"]]


def test_rowspan_colspan_grid_with_origins() -> None:
    table = ('<table>'
             '<tr><td rowspan="2" colspan="2">A</td><td colspan="2">B</td></tr>'
             '<tr><td>C</td><td>D</td></tr>'
             '<tr><td>E</td><td rowspan="2">F</td><td>G</td><td>H</td></tr>'
             '<tr><td>I</td><td>J</td><td>K</td></tr>'
             '</table>')
    raw = read_bytes(page(f'<div id="zoom"><p>{REPORT * 3}</p>{table}</div>').encode(), "a.html")
    [grid] = tables(raw)
    assert grid.rows == [["A", "A", "B", "B"], ["A", "A", "C", "D"], ["E", "F", "G", "H"], ["I", "F", "J", "K"]]
    origins = grid.origins
    # one printed cell ↔ one origin id, wherever it spans
    assert origins[0][0] == origins[0][1] == origins[1][0] == origins[1][1]
    assert origins[0][2] == origins[0][3]
    assert origins[2][1] == origins[3][1]
    ids = {(r, c): o for r, row in enumerate(origins) for c, o in enumerate(row)}
    by_text = {}
    for (r, c), oid in ids.items():
        by_text.setdefault(grid.rows[r][c], set()).add(oid)
    assert all(len(v) == 1 for v in by_text.values())
    assert len({next(iter(v)) for v in by_text.values()}) == len(by_text) == 11


def test_nested_layout_table_is_not_a_data_table() -> None:
    inner = "<table><tr><td>规章</td><td>0</td></tr></table>"
    html = f'<div id="zoom"><table><tr><td><p>{REPORT * 2}</p>{inner}</td></tr></table></div>'
    raw = read_bytes(page(html).encode(), "a.html")
    assert [t.rows for t in tables(raw)] == [[["规章", "0"]]]
    assert REPORT * 2 in texts(raw)


# ------------------------------------------------------------------ PDF

def test_pdf_text_layer_reads_back() -> None:
    lines = ["某某区2023年政府信息公开工作年度报告", "一、总体情况", "本年度主动公开政府信息1136条。", "规章 2 1 7"]
    raw = read_bytes(pdf_from_pages([lines + ["- 1 -"], ["四、结转下年度继续办理 0 0 0 0 0 0 0", "- 2 -"]]), "a.pdf")
    assert raw.medium == "pdf"
    assert raw.blocks == lines + ["四、结转下年度继续办理 0 0 0 0 0 0 0"]  # page numbers dropped
    assert raw.meta["pages"] == 2


def test_pdf_prose_lines_wrapped_at_margin_join() -> None:
    para = "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，" \
           "全面推进决策、执行、管理、服务、结果公开，政府信息公开工作取得新成效。"
    wrapped = [para[i:i + 40] for i in range(0, len(para), 40)]
    raw = read_bytes(pdf_from_pages([["一、总体情况"] + wrapped + ["二、主动公开政府信息情况"]], size=11), "a.pdf")
    assert raw.blocks == ["一、总体情况", para, "二、主动公开政府信息情况"]


@pytest.mark.parametrize("body_size", [12, 16])
def test_pdf_title_lines_are_not_joined_to_the_first_paragraph(body_size: int) -> None:
    """Cover titles in a large centred font are not margin-wrapped prose (hongze-2024, huaian-2024:
    '2024 年政府信息公开工作年度报告' at 22 pt, centred, ends up glued to the 16 pt '本报告由…')."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _cid_font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, height - 80, "某某区人民政府")
    pdf.drawCentredString(width / 2, height - 110, "2024年政府信息公开工作年度报告")
    pdf.setFont(font, body_size)
    per_line = int((width - 2 * 74) // body_size)
    para = ("本报告由某某区人民政府办公室根据《中华人民共和国政府信息公开条例》要求编制。报告中所列数据统计期限自"
            "二〇二四年一月一日起至二〇二四年十二月三十一日止。如对本报告有疑问，请与某某区人民政府办公室联系。")
    lines = [para[: per_line - 2]] + [para[i:i + per_line] for i in range(per_line - 2, len(para), per_line)]
    y = height - 150
    for i, line in enumerate(lines + ["一、总体情况"]):
        pdf.drawString(74 + (2 * body_size if i == 0 else 0), y, line)
        y -= body_size * 1.75
    pdf.showPage()
    pdf.save()
    raw = read_bytes(buf.getvalue(), "a.pdf")
    assert texts(raw) == ["某某区人民政府", "2024年政府信息公开工作年度报告", para, "一、总体情况"]


def _image_pdf(pages: str = "i") -> bytes:
    """One page per letter: 'i' an image only, 't' a line of text."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for kind in pages:
        if kind == "i":
            pdf.drawImage(ImageReader(Image.new("RGB", (300, 400), "white")), 50, 300, 300, 400)
        else:
            pdf.setFont(_cid_font(), 12)
            pdf.drawString(60, 700, "某某区2023年政府信息公开工作年度报告")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def test_blank_image_page_between_text_pages_is_read_by_ocr_and_passed_over() -> None:
    raw = read_bytes(_image_pdf("tit"), "a.pdf")
    assert raw.meta["ocr_pages"] == [2] and raw.medium == "pdf-ocr"
    assert "".join(texts(raw)) == "某某区2023年政府信息公开工作年度报告" * 2


def test_image_page_after_the_last_text_page_is_passed_over() -> None:
    """A closing page with only a stamp or signature image carries no figures."""
    assert texts(read_bytes(_image_pdf("ti"), "a.pdf")) == ["某某区2023年政府信息公开工作年度报告"]


def test_pdf_without_text_layer_or_writing_is_an_error() -> None:
    with pytest.raises(DocumentError, match=r"^scanned PDF: OCR found no text"):
        read_bytes(_image_pdf(), "scan.pdf")


def test_truncated_pdf_is_an_error() -> None:
    data = pdf_from_pages([["某某区2023年政府信息公开工作年度报告", "一、总体情况"]])
    with pytest.raises(DocumentError, match="corrupt or truncated PDF"):
        read_bytes(data[: len(data) // 2], "a.pdf")


def test_pdf_sniffed_by_magic_not_name() -> None:
    data = pdf_from_pages([["某某区2023年政府信息公开工作年度报告"]])
    assert read_bytes(data, "download.jsp").medium == "pdf"


# ------------------------------------------------------------------ Word

def _docx() -> bytes:
    document = docx.Document()
    document.core_properties.title = "某某区2023年政府信息公开工作年度报告"
    document.add_paragraph("一、总体情况")
    document.add_paragraph("")
    table = document.add_table(rows=3, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "第二十条第（五）项"
    for c, text in enumerate(["规章", "2", "1"]):
        table.cell(1, c).text = text
    for c, text in enumerate(["行政规范性文件", "11", "3"]):
        table.cell(2, c).text = text
    document.add_paragraph("二、主动公开政府信息情况")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_and_table_in_order() -> None:
    raw = read_bytes(_docx(), "a.docx")
    assert raw.medium == "docx"
    assert raw.title == "某某区2023年政府信息公开工作年度报告"
    assert [b if isinstance(b, str) else "TABLE" for b in raw.blocks] == ["一、总体情况", "TABLE", "二、主动公开政府信息情况"]
    grid = raw.blocks[1]
    assert grid.rows == [["第二十条第（五）项"] * 3, ["规章", "2", "1"], ["行政规范性文件", "11", "3"]]


def test_docx_origins_distinct_cells_distinct_ids() -> None:
    """A merged cell is one origin; different printed cells never share one, in any row."""
    grid = read_bytes(_docx(), "a.docx").blocks[1]
    assert len(set(grid.origins[0])) == 1
    others = [grid.origins[r][c] for r in (1, 2) for c in range(3)]
    assert len(set(others)) == 6, grid.origins
    assert grid.origins[0][0] not in others


def test_damaged_docx_is_an_error() -> None:
    data = _docx()
    with pytest.raises(DocumentError, match="Word"):
        read_bytes(data[: len(data) // 2], "a.docx")


def test_title_from_heading_when_the_page_title_is_the_site_name() -> None:
    html = page(f'<h1>碧川区2017年政府信息公开工作年度报告</h1><div class="TRS_Editor"><p>{REPORT * 4}</p></div>',
                title="碧川区人民政府")
    assert read_bytes(html.encode(), "a.htm").title == "碧川区2017年政府信息公开工作年度报告"


def test_layout_table_holding_the_article_is_walked_not_gridded() -> None:
    body = f'<table width="100%"><tr><td><p>{REPORT}</p><p>{REPORT}</p><p>{REPORT}</p></td></tr></table>'
    raw = read_bytes(page(body).encode(), "a.html")
    assert tables(raw) == [] and texts(raw) == [REPORT, REPORT, REPORT]
