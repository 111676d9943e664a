"""PDF text layers: characters and their boxes from PDFium (pypdfium2, C++: ten times faster
than interpreting the page in Python), grouped into words and lines by pdfplumber's text map.
Prose lines that wrap at the margin are joined back into paragraphs; table rows stay one
printed line each, for the table parser."""
from __future__ import annotations

import ctypes
import re
import unicodedata
from collections import Counter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.utils.text import chars_to_textmap

from pipeline.limits import PDF_PAGES
from pipeline.model import DocumentError, RawDocument
from pipeline.read.boilerplate import is_boilerplate
from pipeline.read.pdf_columns import fill_blank_columns

_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$|^第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?$")
_CELL = r"(?:[+-]?[\d,]+(?:\.\d+)?|[/／—–－-]{1,2})"
_ROW_NUMBERS = re.compile(rf"(?:^|\s)(?:{_CELL}\s+){{2,}}{_CELL}\s*$")
_HEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[.、．])")
_SENTENCE_END = tuple("。；！？：:;")


def _is_table_row(text: str) -> bool:
    """A printed table row ends in three or more cells in a row ('21 0 0 0 0 0 21', '3 — — 1')."""
    return bool(_ROW_NUMBERS.search(text))


_DEFAULT_DESCENT = -0.12  # of the em, for a font that does not say (typical of CJK fonts)


def _descent(textobj, cache: dict[int, float]) -> float:
    """The font's descent per unit of size, asked once per text object."""
    key = ctypes.cast(textobj, ctypes.c_void_p).value or 0
    if key not in cache:
        font, out = pdfium_c.FPDFTextObj_GetFont(textobj), ctypes.c_float()
        ok = bool(font) and pdfium_c.FPDFFont_GetDescent(font, ctypes.c_float(1.0), out)
        cache[key] = out.value if ok else _DEFAULT_DESCENT
    return cache[key]


def _advance_right(text: str, origin: float, size: float, loose_right: float) -> float:
    """Where the character's advance ends: PDFium's loose box spans the advance, as pdfminer's
    does, unless the font's metrics are broken; a full-width character then fills its em."""
    if origin < loose_right <= origin + 2 * size:
        return loose_right
    return origin + (size if unicodedata.east_asian_width(text) in ("W", "F", "A") else size / 2)


def _chars(page: pdfium.PdfPage) -> list[dict]:
    """The page's printed characters as pdfplumber's char records (top-down coordinates, boxes
    from the baseline and the font size, as pdfminer draws them). PDFium's generated spaces and
    line breaks are left out: the text map decides spacing from the gaps."""
    textpage, height = page.get_textpage(), page.get_height()
    x, y, matrix = ctypes.c_double(), ctypes.c_double(), pdfium_c.FS_MATRIX()
    box = pdfium_c.FS_RECTF()
    descents: dict[int, float] = {}
    chars = []
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        if code < 32 or code in (0xFFFE, 0xFFFF) or pdfium_c.FPDFText_IsGenerated(textpage.raw, i) == 1:
            continue
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, x, y)
        pdfium_c.FPDFText_GetMatrix(textpage.raw, i, matrix)
        pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, i, box)
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i) * abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        low = height - y.value - _descent(pdfium_c.FPDFText_GetTextObject(textpage.raw, i), descents) * size
        text = chr(code)
        chars.append({"text": text, "x0": x.value, "x1": _advance_right(text, x.value, size, box.right),
                      "top": low - size, "doctop": low - size, "bottom": low, "upright": True, "size": size})
    textpage.close()
    _clip_to_next(chars)
    return chars


def _clip_to_next(chars: list[dict]) -> None:
    """A glyph drawn wider than its advance (a substituted font) ends where the next character
    on its baseline starts, as the advance says."""
    for char, following in zip(chars, chars[1:]):
        if abs(following["bottom"] - char["bottom"]) < 0.5 and char["x0"] < following["x0"] < char["x1"]:
            char["x1"] = following["x0"]


def _page_lines(page: pdfium.PdfPage) -> list[dict]:
    chars = _chars(page)
    if not chars:
        return []
    lines = chars_to_textmap(chars, layout=False).extract_text_lines(strip=True, return_chars=True)
    return [ln for ln in lines if ln["text"].strip() and not _PAGE_NUMBER.match(ln["text"].strip())]


def _join_wrapped(lines: list[dict], right: float) -> list[str]:
    """A line that reaches the right margin and ends mid-sentence continues on the next line;
    centred titles and lines in another font size never do."""
    out: list[str] = []
    carry = ""
    left = min(ln["x0"] for ln in lines)
    for i, line in enumerate(lines):
        text = line["text"].strip()
        following = lines[i + 1] if i + 1 < len(lines) else None
        nxt = following["text"].strip() if following else ""
        width = _char_width(line)
        full = (line["x1"] >= right - 3 * width and line["x0"] <= left + 3 * width
                and following is not None and abs(_char_width(following) - width) <= 0.15 * width)
        wraps = (full and not text.endswith(_SENTENCE_END) and not _is_table_row(text)
                 and nxt and not _HEADING.match(nxt) and not _is_table_row(nxt))
        carry += text
        if not wraps:
            out.append(carry)
            carry = ""
    if carry:
        out.append(carry)
    return out


_MARGIN_LINES = 3  # a margin is where several prose lines end; fewer is a page of short lines


def _right_margin(lines: list[dict]) -> float:
    """The prose column's right edge: the most common end of long prose lines (table rows
    end anywhere); with no such common end, the page's far right, so nothing is joined."""
    ends = Counter(round(ln["x1"]) for ln in lines if len(ln["text"]) >= 15 and not _is_table_row(ln["text"]))
    top = max(ends.values(), default=0)
    if top < _MARGIN_LINES:
        return max(ln["x1"] for ln in lines)
    return min(x for x, n in ends.items() if n >= top * 0.5)


def _pdf_title(pdf: pdfium.PdfDocument) -> str | None:
    return (pdf.get_metadata_dict().get("Title") or "").strip("\x00 ") or None


def _char_width(line: dict) -> float:
    return max(8.0, line["bottom"] - line["top"])


def _refuse_image_pages(pages: list, per_page: list[list[dict]]) -> None:
    """A page without text among pages with text is a scan or a table given as an image:
    refuse the document rather than extract part of it. Image-only pages after the last
    text page (a stamp, a signature) carry no figures and are passed over."""
    last_text = max((i for i, lines in enumerate(per_page) if lines), default=-1)
    for number, (page, lines) in enumerate(zip(pages, per_page), start=1):
        if lines or (number - 1 > last_text >= 0):
            continue
        images = _has_images(page)
        if images or len(pages) == 1:
            what = "page is an image (no text layer)" if images else "page has no text"
            raise DocumentError(f"PDF page {number}: {what}; OCR is not supported")


def _has_images(page: pdfium.PdfPage) -> bool:
    return next(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)), None) is not None


def _capped_pages(pdf: pdfium.PdfDocument, cap: int) -> list[pdfium.PdfPage]:
    """The pages, refused before any is loaded when there are more than the cap (PDFium counts
    the page tree; a /Count that lies low only hides pages, it never costs more)."""
    if len(pdf) > cap:
        raise DocumentError(PDF_PAGES.exceeded(f"PDF has more than {cap} pages"))
    return [pdf[i] for i in range(len(pdf))]


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise DocumentError("encrypted PDF (password required)") from err
        raise DocumentError(f"corrupt or truncated PDF ({err})") from err


def read(data: bytes) -> RawDocument:
    pdf = _open(data)
    try:
        pages = _capped_pages(pdf, PDF_PAGES.value())
        per_page = [_page_lines(p) for p in pages]
        _refuse_image_pages(pages, per_page)
        title = _pdf_title(pdf)
    except pdfium.PdfiumError as err:
        raise DocumentError(f"corrupt or truncated PDF ({err})") from err
    finally:
        pdf.close()
    all_lines = [ln for lines in per_page for ln in lines]
    if not all_lines:
        raise DocumentError("PDF has no text layer (scanned images?); OCR is not supported")
    fill_blank_columns(all_lines)
    right = _right_margin(all_lines)
    blocks: list = [t for t in _join_wrapped(all_lines, right) if not is_boilerplate(t)]
    return RawDocument(blocks=blocks, medium="pdf", title=title,
                       meta={"pages": len(pages)})
