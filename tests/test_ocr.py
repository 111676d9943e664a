"""OCR of scanned pages: copier-style scans (tools/make_scans.py) of an invented report and of
a real one read back to the same table cells; pages with a good text layer never reach OCR, a
garbage text layer does; a blank scan is an error row with its cause. OCR costs seconds per
page, so each scan is read once per module."""
from __future__ import annotations

import difflib
import io
import re
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from fixtures.reports import (Spec, expected_cells, grid_lines, proactive_grid, prose, report_pdf, requests_grids,
                              review_grid)
from pipeline.checks import evaluate
from pipeline.extract import tables
from pipeline.metrics import COLUMNS, relations
from pipeline.model import UNREAD_CELL, DocumentError, RawDocument, Row, SourceDoc, Token
from pipeline.normalize import build_document
from pipeline.process import process_bytes
from pipeline.read import layout, ocr, pdf_columns, read_bytes
from pipeline.read import pdf as pdf_read

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from make_scans import make_scan  # noqa: E402

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"


def table_cells(result) -> dict:
    return {f.key: f.value for f in result.figures if f.source == "table"}


def failing(result) -> set[str]:
    return {c.rule for c in result.checks if c.kind == "definitional" and c.ok is False}


@pytest.fixture
def ocr_calls(monkeypatch) -> list[int]:
    """Counts the pages OCR reads, calling the real engine."""
    calls: list[int] = []
    real = ocr.recognise

    def counted(image):
        calls.append(1)
        return real(image)

    monkeypatch.setattr(ocr, "recognise", counted)
    return calls


def _font() -> str:
    """A CJK font embedded in the PDF (a CID font without one renders as blank to PDFium)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = Path(__import__("mplfonts").__file__).parent / "fonts" / "SimHei.ttf"
    if not path.exists():
        pytest.skip(f"no CJK font to print the invented report with ({path})")
    if "SimHei" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("SimHei", str(path)))
    return "SimHei"


def _is_value(token: str) -> bool:
    return token.replace(".", "").isdigit() or token in ("/", "—", "-")


def _ruled_report_pdf(spec: Spec) -> bytes:
    """The invented standard report printed as a portal's PDF prints it: label left, each value
    in its own column of a ruled table, the tables of 二 and 三 on page 1, 四 and prose on page 2."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font, sections = _font(), prose(spec)
    first = ["淮安市洪泽区人民政府", "2023年政府信息公开工作年度报告", "二、主动公开政府信息情况"]
    first += grid_lines(proactive_grid(spec)) + ["三、收到和处理政府信息公开申请情况"]
    first += [line for g in requests_grids(spec) for line in grid_lines(g)]
    second = ["四、政府信息公开行政复议、行政诉讼情况"] + grid_lines(review_grid(spec))
    for heading in ("五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        second += [heading] + sections[heading]
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    for lines in (first, second):
        y = 800
        for line in lines:
            if y < 50:  # the page is full: the rest goes on to a page of its own
                pdf.showPage()
                y = 800
            tokens = line.split()
            values = [t for t in reversed(tokens) if _is_value(t)] if _is_value(tokens[-1]) else []
            values = values[:next((i for i, t in enumerate(values) if not _is_value(t)), len(values))][::-1]
            label = " ".join(tokens[:len(tokens) - len(values)])
            pdf.setFont(font, 7 if values else 10)
            pdf.drawString(30, y, label)
            pdf.setFont(font, 11)
            step = 36 if len(values) > 7 else 38
            left = 42 if len(values) > 7 else 320
            for i, value in enumerate(values):
                pdf.drawCentredString(left + step * i, y, value)
            if values:  # the rule under a table row
                pdf.line(25, y - 5, 570, y - 5)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def invented_scan() -> bytes:
    return make_scan(_ruled_report_pdf(Spec()), angle=0.7, seed=3)


def test_scan_maker_is_deterministic_and_leaves_no_text_layer() -> None:
    original = report_pdf(Spec())
    scan = make_scan(original, angle=-0.5, seed=7)
    assert scan == make_scan(original, angle=-0.5, seed=7)
    assert scan != make_scan(original, angle=-0.5, seed=8)
    pdf = pdfium.PdfDocument(scan)
    try:
        assert len(pdf) >= 2
        assert all(pdf[i].get_textpage().count_chars() == 0 for i in range(len(pdf)))
    finally:
        pdf.close()
    with pytest.raises(ValueError, match="0.8"):
        make_scan(original, angle=1.2)


def test_good_text_layer_never_calls_ocr(ocr_calls) -> None:
    raw = read_bytes(report_pdf(Spec()), "a.pdf")
    assert raw.medium == "pdf" and raw.meta["ocr_pages"] == []
    assert ocr_calls == []


def test_scanned_invented_report_gives_the_printed_cells(invented_scan, ocr_calls) -> None:
    result = process_bytes(invented_scan, SourceDoc(path=Path("scan.pdf")))
    assert result.error is None and result.medium == "pdf-ocr"
    assert len(ocr_calls) == len(pdfium.PdfDocument(invented_scan))
    got, want = table_cells(result), expected_cells(Spec())
    right = sum(got.get(key) == value for key, value in want.items())
    # Cramped on purpose (8 columns of 11-pt figures in 38 pt, labels running up to them):
    # harder than the real reports, whose scans read 99-100 % (docs/ocr.md).
    assert right / len(want) >= 0.9, {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    misread = {k for k, v in want.items() if got.get(k) is not None and got[k] != v}
    assert len(misread) <= 2, misread  # a cell not read is blank, seldom a wrong number
    read = [f for f in result.figures if f.source == "table" and f.value is not None]
    assert read and all(0 < f.ocr_confidence <= 1 for f in read)
    assert result.figures[0].to_json(0)["ocr_confidence"] == result.figures[0].ocr_confidence
    # The invented report leaves its empty cells empty: probed, they are read as nothing, so
    # they are unknown (ocr_confidence 0), never a value, and no relation over one is assessed.
    unknown = {f.key for f in result.figures if f.source == "table" and f.ocr_confidence == 0}
    assert unknown and all(got[k] is None for k in unknown)
    over_unknown = {r.id for r in relations("2021") if {k.lstrip("-") for k in r.lhs + r.rhs} & unknown}
    assert over_unknown and all(c.ok is None for c in result.checks if c.rule in over_unknown)


def _stamped(image):
    """The page in colour with a red seal pressed over table 四's figures and a red signature,
    printed over the black as ink is (multiplied: black stays black)."""
    from PIL import Image, ImageChops, ImageDraw

    page = image.convert("RGB")
    ink = Image.new("RGB", page.size, "white")
    pen = ImageDraw.Draw(ink)
    width = page.size[0]
    pen.ellipse((width * 0.35, 40, width * 0.35 + 260, 300), outline=(220, 30, 30), width=9)
    pen.polygon([(width * 0.35 + 130, 110), (width * 0.35 + 160, 200), (width * 0.35 + 80, 150),
                 (width * 0.35 + 180, 150), (width * 0.35 + 100, 200)], fill=(230, 40, 40))
    pen.line((80, 330, 500, 300), fill=(200, 20, 40), width=6)
    return ImageChops.multiply(page, ink)


def test_image_blocks_reads_one_stamped_page_image_as_table_rows(invented_scan) -> None:
    """The entry point for images in HTML pages and attachments: PNG bytes in, blocks out; a
    red seal over the figures and a red signature do not break the rows."""
    pdf = pdfium.PdfDocument(invented_scan)
    try:
        png = io.BytesIO()
        _stamped(pdf[len(pdf) - 1].render(scale=150 / 72).to_pil()).save(png, format="PNG")
    finally:
        pdf.close()
    blocks = ocr.image_blocks(png.getvalue())
    assert any(b.startswith("四、政府信息公开行政复议") for b in blocks)
    row = expected_cells(Spec())
    heads = ("upheld", "corrected", "other", "pending", "total")
    keys = [f"{table}.{head}" for table in ("review", "litigation.direct", "litigation.after_review") for head in heads]
    assert " ".join(str(row[k]) for k in keys) in blocks  # the figures under the seal too


def _garbage_layer_pdf(scan: bytes) -> bytes:
    """The scan's first page with an invisible text layer of private-use characters laid over
    it, as a scanner's text layer whose fonts have no Unicode map reads."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from fixtures.reports import _cid_font

    pdf = pdfium.PdfDocument(scan)
    try:
        image = pdf[0].render(scale=150 / 72).to_pil()
    finally:
        pdf.close()
    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4)
    page.drawImage(ImageReader(image), 0, 0, *A4)
    layer = page.beginText()
    layer.setTextRenderMode(3)  # invisible, as a scanner's own text layer is drawn
    layer.setFont(_cid_font(), 9)
    for i in range(30):
        layer.setTextOrigin(40, 780 - 14 * i)
        layer.textOut("".join(chr(0xE000 + (i * 7 + k) % 400) for k in range(30)))
    page.drawText(layer)
    page.showPage()
    page.save()
    return buf.getvalue()


def test_garbage_text_layer_is_read_by_ocr(invented_scan, ocr_calls) -> None:
    raw = read_bytes(_garbage_layer_pdf(invented_scan), "g.pdf")
    assert len(ocr_calls) == 1 and raw.medium == "pdf-ocr"
    assert not any("\ue000" <= ch <= "\uf8ff" for b in raw.blocks for ch in b)
    assert "二、主动公开政府信息情况" in raw.blocks


def test_blank_scanned_page_is_an_error_row_naming_the_cause() -> None:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from PIL import Image

    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawImage(ImageReader(Image.new("L", (400, 560), 250)), 30, 60, 540, 760)
    page.showPage()
    page.save()
    result = process_bytes(make_scan(buf.getvalue(), angle=0.4, seed=2), SourceDoc(path=Path("blank.pdf")))
    assert result.error == "scanned PDF: OCR found no text on its 1 image page(s) (blank, or a picture without writing)"
    assert result.figures == []


def test_missing_engine_is_one_line_naming_the_package(monkeypatch) -> None:
    ocr._engine.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    try:
        with pytest.raises(ocr.OcrUnavailable, match=r"^scanned pages need OCR, but rapidocr_onnxruntime is not"
                                                      r" installed \(pip install rapidocr_onnxruntime\)$"):
            ocr.recognise(__import__("PIL.Image").Image.new("L", (50, 50), 255))
        assert issubclass(ocr.OcrUnavailable, DocumentError)
    finally:
        ocr._engine.cache_clear()


@pytest.mark.skipif(not (REAL / "hongze-2023.pdf").exists(), reason="../shared/corpus/real/hongze-2023.pdf is absent")
def test_slow_scan_of_a_real_report_keeps_its_cells_and_printed_inconsistencies() -> None:
    """The slow one (five pages of OCR): a copier scan of a real report against its text layer."""
    data = (REAL / "hongze-2023.pdf").read_bytes()
    printed = process_bytes(data, SourceDoc(path=Path("hongze-2023.pdf")))
    scanned = process_bytes(make_scan(data, angle=0.6, seed=1), SourceDoc(path=Path("hongze-2023.pdf")))
    assert scanned.medium == "pdf-ocr" and printed.medium == "pdf"
    assert all(f.ocr_confidence is None for f in printed.figures)
    want, got = table_cells(printed), table_cells(scanned)
    right = sum(got.get(key) == value for key, value in want.items())
    assert len(want) >= 180 and right / len(want) >= 0.98
    assert len(failing(printed)) == 2 and failing(scanned) == failing(printed)


def _column(x: float, tops: list[float], confidence: float = 0.95) -> list[ocr.Word]:
    return [ocr.Word("0", x, top, x + 14, top + 26, confidence) for top in tops]


@pytest.mark.parametrize("confidence, dropped", [(0.52, True), (0.95, False)])
def test_unsure_number_standing_on_a_figure_is_dropped(confidence, dropped) -> None:
    """Rows 50 px apart; an unsure '1' right above one figure (a speck) is no figure of its own."""
    words = _column(600, [100, 150, 200, 250]) + _column(700, [100, 150, 200, 250])
    stray = ocr.Word("1", 702, 174, 716, 199, confidence)
    kept = ocr._unstacked(words + [stray])
    assert (stray not in kept) is dropped and all(w in kept for w in words)


def test_cramped_table_rows_that_touch_are_all_kept() -> None:
    """Rows 27 px apart, boxes 26 px high, some read unsurely: evenly spaced, so all are figures."""
    words = _column(600, [100 + 27 * i for i in range(6)], 0.55) + _column(700, [100 + 27 * i for i in range(6)])
    assert ocr._unstacked(words) == words


@pytest.mark.parametrize("text, confidence, kept", [("0", 0.3, "0"), ("。", 0.6, UNREAD_CELL), ("", 0.0, UNREAD_CELL),
                                                    ("0", 0.1, UNREAD_CELL), ("—", 0.9, None)])
def test_probed_cell_is_its_number_a_printed_blank_or_unread(text, confidence, kept) -> None:
    probed = ocr._probed(ocr.Word(text, 10, 10, 30, 36, confidence))
    assert (probed.text if probed else None) == kept
    assert probed is None or probed.confidence == (confidence if kept == text else 0.0)


def test_relation_over_an_unread_cell_is_not_assessed() -> None:
    """746+12+0+0+10+(unread) against 769: with the unread cell taken as blank the sum would fail."""
    keys = [f"requests.outcome.unable.not_held.{c}" for c in
            ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org")]
    values = dict(zip(keys, [746, 12, 0, 0, 10, None])) | {"requests.outcome.unable.not_held.total": 769}
    rule = "requests.column_sum.outcome.unable.not_held"
    assert [c.ok for c in evaluate(values, "2021") if c.rule == rule] == [False]
    assert [c.ok for c in evaluate(values, "2021", frozenset(keys[-1:])) if c.rule == rule] == [None]


def _chars(text: str, x0: float, width: float = 5.0) -> list[dict]:
    return [{"text": c, "x0": x0 + i * width, "x1": x0 + (i + 1) * width, "top": 0, "bottom": 10}
            for i, c in enumerate(text)]


def test_number_read_over_two_columns_is_cut_where_its_characters_change_column() -> None:
    """OCR boxed the cells 10 and 1 of two columns 30 pt apart together as '101'."""
    anchors = [100.0, 130.0, 160.0]
    glued = ("101", _chars("101", 95, 12.5))  # one box over both cells, its characters spread evenly
    assert [t for t, _ in pdf_columns._straddling(glued, anchors)] == ["10", "1"]
    wide = ("3119", _chars("3119", 120))  # a wide printed number in its own column stays whole
    assert [t for t, _ in pdf_columns._straddling(wide, anchors)] == ["3119"]


def _page_pdf(data: bytes, index: int) -> bytes:
    """One page of a PDF as a PDF of its own."""
    source, out = pdfium.PdfDocument(data), pdfium.PdfDocument.new()
    out.import_pages(source, [index])
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _cells(lines: list[dict]) -> list[str]:
    """The cells ending each line (numbers, and the mark of a cell OCR could not read), in order."""
    return [c for ln in lines for c in _TAIL.search(" " + ln["text"]).group().split()]


_TAIL = re.compile(r"(?:\s(?:\d[\d,]*(?:\.\d+)?|\?))*\s*$")  # the cells a line ends in, each after a space


@pytest.mark.skipif(not (REAL / "huaian-2024.pdf").exists(), reason="../shared/corpus/real/huaian-2024.pdf is absent")
@pytest.mark.parametrize("angle, seed", [(-0.8, 5), (0.8, 8)])
def test_table_page_scanned_turned_either_way_keeps_its_cells(angle, seed) -> None:
    """huaian-2024's second table-三 page (labels wrapping round their rows' figures), turned
    the most a copier turns a page, one way and the other: OCR gives the text layer's cells in
    order, a cell it could not read marked, and hardly a figure of its own (a speck)."""
    page = _page_pdf((REAL / "huaian-2024.pdf").read_bytes(), 4)
    printed = _cells(layout.lines_from_chars(pdf_read._chars(pdfium.PdfDocument(page)[0])))
    image = pdfium.PdfDocument(make_scan(page, angle=angle, seed=seed))[0].render(scale=150 / 72).to_pil()
    scanned = _cells(ocr.page_lines(image, 150 / 72))
    same = sum(b.size for b in difflib.SequenceMatcher(None, printed, scanned, autojunk=False).get_matching_blocks())
    assert len(printed) >= 90 and same >= 0.85 * len(printed), (same, len(printed))
    assert len(scanned) - same <= 0.05 * len(printed) + scanned.count(UNREAD_CELL), scanned


def _line_row(text: str) -> Row:
    """A printed line as the document gives it: its words as tokens."""
    return Row([Token(word, 0, len(word)) for word in text.split()], in_table=False)


def test_line_ending_in_an_unread_cell_keeps_its_cells() -> None:
    """A wrapped label's figures on a line of their own, the last cell not read by OCR."""
    row = tables.split_row(_line_row(f"3 0 0 0 2 0 {UNREAD_CELL}"), 0)
    assert row.label == "" and [c.value for c in row.cells] == [3, 0, 0, 0, 2, 0, None]
    labelled = tables.split_row(_line_row(f"2.某类申请 5 {UNREAD_CELL} 0 0 0 0 {UNREAD_CELL}"), 0)
    assert labelled.label == "2.某类申请" and [c.value for c in labelled.cells] == [5, None, 0, 0, 0, 0, None]


@pytest.mark.parametrize("read, mended", [("4*", "4"), ("＊12", "12"), ("3:", "3"), ("·0", "0"), ("7730.28", "7730.28"),
                                          ("A4*", "A4*")])
def test_speck_glued_to_a_number_is_mended_away(read, mended) -> None:
    assert ocr._mend(read) == mended


def test_figure_boxed_twice_is_read_once() -> None:
    """A figure whose box the detector gives twice, one wide and unsure ('4'), one tight with a
    speck glued on ('4*' mended to '4'): one figure, the surer reading."""
    words = _column(600, [100, 150, 200, 250]) + _column(700, [100, 150, 250])
    wide, tight = ocr.Word("4", 690, 198, 732, 228, 0.6), ocr.Word(ocr._mend("4*"), 702, 203, 723, 226, 0.71)
    kept = ocr._unstacked(words + [wide, tight])
    assert tight in kept and wide not in kept


@pytest.mark.parametrize("x0, kept", [(602, False), (640, True)])
def test_letter_read_on_a_figure_of_its_line_is_dropped(x0, kept) -> None:
    """A speckled 0 first read surely as 'a', then read as 0 by its cell's probe: one figure,
    the letter dropped; a letter beside the figure, not on it, is left as read."""
    zero = ocr.Word("0", 596, 200, 622, 226, 0.47)
    letter = ocr.Word("a", x0, 201, x0 + 14, 225, 0.95)
    words = _column(500, [100, 150, 200, 250]) + [zero, letter]
    assert (letter in ocr._without_ghosts(words)) is kept and zero in ocr._without_ghosts(words)


def _table_three_cells(lines: list[str], medium: str) -> dict:
    doc = build_document(RawDocument(blocks=lines, medium=medium))
    return {f.key: f.value for f in tables.extract_table_figures(doc, "std2021") if f.key.startswith("requests.")}


def _invented_table_three(drop: str, garble: tuple[str, str]) -> list[str]:
    """The invented report's table 三 as printed lines, less the row labelled `drop` (its
    figures lost, so rows no longer fit the template by count), one label misread."""
    lines = [ln for g in requests_grids(Spec()) for ln in grid_lines(g) if drop not in ln]
    return [ln.replace(*garble) for ln in lines]


def test_misread_label_on_a_scan_is_taken_for_the_row_it_is_clearly_like() -> None:
    """OCR lost three characters of a label: on a scan the row is the template row it is most
    like; the same lines from a text layer are left as they are (no row matched by likeness)."""
    lines = _invented_table_three("（一）予以公开", ("其他法律行政法规禁止公开", "其他法律行政止公开"))
    key, want = "requests.outcome.withheld.law_prohibited", expected_cells(Spec())
    scanned, printed = _table_three_cells(lines, "pdf-ocr"), _table_three_cells(lines, "pdf")
    assert all(scanned[f"{key}.{c}"] == want[f"{key}.{c}"] for c in COLUMNS)
    assert f"{key}.total" not in printed and "requests.outcome.withheld.state_secret.total" in printed


def test_label_like_two_rows_or_a_taken_row_is_not_matched() -> None:
    """A fragment that two template rows share (a wrapped label's last line) matches neither;
    a misread label most like a row another label already names does not take it again."""
    shared = _invented_table_three("（一）予以公开", ("2.申请人逾期未按收费通知要求缴纳费用、", ""))
    assert "requests.outcome.other.unpaid_fee.total" not in _table_three_cells(shared, "pdf-ocr")
    twice = _invented_table_three("（一）予以公开", ("3.危及“三安全一稳定”", "1.属于国家秘"))
    cells = _table_three_cells(twice, "pdf-ocr")
    assert cells["requests.outcome.withheld.state_secret.total"] == expected_cells(Spec())[
        "requests.outcome.withheld.state_secret.total"]
    assert "requests.outcome.withheld.three_securities_one_stability.total" not in cells


@pytest.mark.parametrize("digit", ["0", "1", "8"])
def test_lone_digit_boxed_tightly_is_read_upright(digit) -> None:
    """A clean page's lone figure boxed to its ink is over 1.5 times as high as wide: the
    engine turns such a crop on its side (as vertical text) and reads a '0' or '8' as 'o', a
    '1' as nothing; read upright too, the surer reading is the digit."""
    from PIL import Image, ImageDraw, ImageFont
    import numpy as np

    path = Path(__import__("mplfonts").__file__).parent / "fonts" / "SimHei.ttf"
    if not path.exists():
        pytest.skip(f"no font to print the digit with ({path})")
    image = Image.new("L", (200, 100), 255)
    ImageDraw.Draw(image).text((80, 30), digit, font=ImageFont.truetype(str(path), 30), fill=0)
    ink = np.asarray(image)
    ys, xs = np.nonzero(ink < 128)
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    page, engine = np.stack([ink] * 3, axis=-1), ocr._engine()
    assert ocr._turned(box)
    turned = engine.text_rec(engine.get_crop_img_list(page, [box]))[0][0]
    (text, confidence), = ocr._recognised(engine, page, [box])
    assert text == digit and confidence >= 0.8 and confidence > turned[1]
