"""PDF pages: characters and their boxes from PDFium's text layer (pypdfium2, C++: ten times
faster than interpreting the page in Python), or, for a page with no usable text layer (a
scan, or glyphs without a Unicode map), from OCR of the rendered page. Either way the
characters go through the same line and block reading (layout.py)."""
from __future__ import annotations

import ctypes
import unicodedata

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.limits import PDF_PAGES
from pipeline.model import DocumentError, RawDocument
from pipeline.read.layout import blocks_with_confidence, lines_from_chars

OCR_DPI = 150  # a scan's usual resolution: body text is 30 px high, enough for the recogniser
# A text layer is garbage when more than this share of its characters has no Unicode meaning
# (an unmapped glyph, the replacement character, a private-use code).
GARBAGE_SHARE = 0.3
_PRIVATE_USE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


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


def _meaningless(code: int) -> bool:
    """A character code that stands for no character: an unmapped glyph, U+FFFD, private use."""
    return code in (0, 0xFFFD) or any(low <= code <= high for low, high in _PRIVATE_USE)


def _chars(page: pdfium.PdfPage) -> list[dict] | None:
    """The page's printed characters as pdfplumber's char records (top-down coordinates, boxes
    from the baseline and the font size, as pdfminer draws them), or None when the text layer
    is garbage. PDFium's generated spaces and line breaks are left out: the text map decides
    spacing from the gaps."""
    textpage, height = page.get_textpage(), page.get_height()
    x, y, matrix = ctypes.c_double(), ctypes.c_double(), pdfium_c.FS_MATRIX()
    box = pdfium_c.FS_RECTF()
    descents: dict[int, float] = {}
    chars, garbage = [], 0
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        if _meaningless(code) and pdfium_c.FPDFText_IsGenerated(textpage.raw, i) != 1:
            garbage += 1
            continue
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
    if garbage > GARBAGE_SHARE * (garbage + len(chars)):
        return None
    _clip_to_next(chars)
    return chars


def _clip_to_next(chars: list[dict]) -> None:
    """A glyph drawn wider than its advance (a substituted font) ends where the next character
    on its baseline starts, as the advance says."""
    for char, following in zip(chars, chars[1:]):
        if abs(following["bottom"] - char["bottom"]) < 0.5 and char["x0"] < following["x0"] < char["x1"]:
            char["x1"] = following["x0"]


def _page_lines(page: pdfium.PdfPage) -> tuple[list[dict], bool]:
    """The page's printed lines, and whether OCR read them: a page whose text layer is missing
    or garbage but which draws an image (a scan) or glyphs is read from its rendered image."""
    chars = _chars(page)
    if chars:
        return lines_from_chars(chars), False
    if chars is not None and not _has_images(page):
        return [], False  # a blank page
    from pipeline.read import ocr  # the engine loads only for documents that need it
    scale = OCR_DPI / 72
    return ocr.page_lines(page.render(scale=scale).to_pil(), scale), True


def _pdf_title(pdf: pdfium.PdfDocument) -> str | None:
    return (pdf.get_metadata_dict().get("Title") or "").strip("\x00 ") or None


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
        title = _pdf_title(pdf)
    except pdfium.PdfiumError as err:
        raise DocumentError(f"corrupt or truncated PDF ({err})") from err
    finally:
        pdf.close()
    ocr_pages = [number for number, (_, by_ocr) in enumerate(per_page, start=1) if by_ocr]
    all_lines = [ln for lines, _ in per_page for ln in lines]
    if not all_lines:
        raise DocumentError(_nothing_read(len(pages), ocr_pages))
    blocks = blocks_with_confidence(all_lines)
    meta: dict = {"pages": len(pages), "ocr_pages": ocr_pages}
    if ocr_pages:  # the recogniser's confidence in each number of each block (None: not known)
        meta["ocr_confidence"] = [confidence for _, confidence in blocks]
    return RawDocument(blocks=[text for text, _ in blocks], medium="pdf-ocr" if ocr_pages else "pdf",
                       title=title, meta=meta)


def _nothing_read(pages: int, ocr_pages: list[int]) -> str:
    if ocr_pages:
        return (f"scanned PDF: OCR found no text on its {len(ocr_pages)} image page(s) "
                "(blank, or a picture without writing)")
    return f"PDF has no text on any of its {pages} page(s) (blank pages)"
