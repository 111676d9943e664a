"""PDF text layers through pdfplumber. Prose lines that wrap at the margin are joined back
into paragraphs; table rows stay one printed line each, for the table parser."""
from __future__ import annotations

import io
import re
from collections import Counter

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfplumber.page import Page

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


def _page_lines(page) -> list[dict]:
    lines = page.extract_text_lines(layout=False, strip=True, return_chars=True)
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


def _right_margin(lines: list[dict]) -> float:
    """The prose column's right edge: the most common end of long lines (tables may reach further)."""
    ends = Counter(round(ln["x1"]) for ln in lines if len(ln["text"]) >= 15)
    if not ends:
        return max(ln["x1"] for ln in lines)
    top = max(ends.values())
    return min(x for x, n in ends.items() if n >= top * 0.5)


def _pdf_title(pdf) -> str | None:
    """WPS writes little-endian UTF-16 titles that pdfminer decodes as PDFDocEncoding
    mojibake, so read the raw bytes of the info dictionary instead."""
    try:
        raw = pdf.doc.info[0].get("Title") if pdf.doc.info else None
    except (AttributeError, IndexError, KeyError):
        return None
    if not isinstance(raw, bytes) or not raw:
        return None
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            return raw[2:].decode(codec, "ignore").strip("\x00 ") or None
    try:
        return raw.decode("utf-8").strip() or None
    except UnicodeDecodeError:
        return None


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
        if page.images or len(pages) == 1:
            what = "page is an image (no text layer)" if page.images else "page has no text"
            raise DocumentError(f"PDF page {number}: {what}; OCR is not supported")


def _capped_pages(pdf, cap: int) -> list[Page]:
    """Page objects counted while the page tree is walked, so an oversized file stops at cap + 1."""
    pages: list[Page] = []
    doctop = 0.0
    for number, page in enumerate(PDFPage.create_pages(pdf.doc), start=1):
        if number > cap:
            raise DocumentError(PDF_PAGES.exceeded(f"PDF has more than {cap} pages"))
        pages.append(Page(pdf, page, page_number=number, initial_doctop=doctop))
        doctop += pages[-1].height
    return pages


def _is_encrypted(err: Exception) -> bool:
    """pdfplumber wraps pdfminer's password error in its own exception type."""
    return any(isinstance(e, PDFPasswordIncorrect) for e in (err, *err.args))


def _damaged(err: Exception) -> DocumentError:
    if _is_encrypted(err):
        return DocumentError("encrypted PDF (password required)")
    return DocumentError(f"corrupt or truncated PDF ({type(err).__name__})")


def read(data: bytes) -> RawDocument:
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = _capped_pages(pdf, PDF_PAGES.value())
            per_page = [_page_lines(p) for p in pages]
            _refuse_image_pages(pages, per_page)
            title = _pdf_title(pdf)
    except DocumentError:
        raise
    except Exception as err:  # pdfminer raises many types on damaged files
        raise _damaged(err) from err
    all_lines = [ln for lines in per_page for ln in lines]
    if not all_lines:
        raise DocumentError("PDF has no text layer (scanned images?); OCR is not supported")
    fill_blank_columns(all_lines)
    right = _right_margin(all_lines)
    blocks: list = [t for t in _join_wrapped(all_lines, right) if not is_boilerplate(t)]
    return RawDocument(blocks=blocks, medium="pdf", title=title,
                       meta={"pages": len(pages)})
