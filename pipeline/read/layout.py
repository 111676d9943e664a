"""Printed lines from positioned characters, and text blocks from printed lines: shared by the
PDF text layer and OCR, so a scanned page is read by the same rules as a printed one. Prose
lines that wrap at the margin are joined back into paragraphs; table rows stay one printed
line each, for the table parser."""
from __future__ import annotations

import re
from collections import Counter

from pdfplumber.utils.text import chars_to_textmap

from pipeline.model import UNREAD_CELL
from pipeline.read.boilerplate import is_boilerplate
from pipeline.read.pdf_columns import fill_blank_columns

# A page number alone on its line: '- 3 -', '12', '第3页 共5页'.
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$|^第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?$")
# One table cell: a number, a dash for an empty cell, or the mark of a cell OCR could not read.
_CELL = r"(?:[+-]?[\d,]+(?:\.\d+)?|[/／—–－-]{1,2}|" + re.escape(UNREAD_CELL) + ")"
# A line ending in three or more cells is a table row.
_ROW_NUMBERS = re.compile(rf"(?:^|\s)(?:{_CELL}\s+){{2,}}{_CELL}\s*$")
# A numbered heading starts a new paragraph: '一、', '（二）', '(三)', '4.'.
_HEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[.、．])")
_SENTENCE_END = tuple("。；！？：:;")
_MARGIN_LINES = 3  # a margin is where several prose lines end; fewer is a page of short lines


def is_table_row(text: str) -> bool:
    """A printed table row ends in three or more cells in a row ('21 0 0 0 0 0 21', '3 — — 1')."""
    return bool(_ROW_NUMBERS.search(text))


def lines_from_chars(chars: list[dict]) -> list[dict]:
    """pdfplumber's text lines (with their chars) of one page, page numbers left out."""
    if not chars:
        return []
    lines = chars_to_textmap(chars, layout=False).extract_text_lines(strip=True, return_chars=True)
    return [ln for ln in lines if ln["text"].strip() and not _PAGE_NUMBER.match(ln["text"].strip())]


def blocks_from_lines(lines: list[dict]) -> list[str]:
    """The text blocks of a document's lines: blank table cells marked, wrapped prose joined."""
    return [text for text, _ in blocks_with_confidence(lines)]


def blocks_with_confidence(lines: list[dict]) -> list[tuple[str, list[float] | None]]:
    """The text blocks, each with the recogniser's confidence in each number it prints, in
    order, when its characters carry one (OCR); None where they do not, or do not line up."""
    if not lines:
        return []
    confidences = [_number_confidences(line) for line in lines]
    fill_blank_columns(lines)
    right = _right_margin(lines)
    out = []
    for text, group in _join_wrapped(lines, right):
        if is_boilerplate(text):
            continue
        found = [c for i in group for c in (confidences[i] or [])]
        known = all(confidences[i] is not None for i in group) and len(found) == len(NUMBER.findall(text))
        out.append((text, found if known else None))
    return out


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")  # a printed number, as the extractors find it


def _number_confidences(line: dict) -> list[float] | None:
    """The least confidence of each number's characters, for a line read by OCR."""
    chars = [c for c in line.get("chars", []) if c["text"].strip()]
    if not chars or "confidence" not in chars[0]:
        return None
    out, at = [], 0
    for word in line["text"].split():
        for m in NUMBER.finditer(word):
            out.append(min(c["confidence"] for c in chars[at + m.start():at + m.end()]))
        at += len(word)
    return out if at == len(chars) else None


def _char_width(line: dict) -> float:
    return max(8.0, line["bottom"] - line["top"])


def _join_wrapped(lines: list[dict], right: float) -> list[tuple[str, list[int]]]:
    """A line that reaches the right margin and ends mid-sentence continues on the next line;
    centred titles and lines in another font size never do. Each text with its lines' indexes."""
    out: list[tuple[str, list[int]]] = []
    carry, group = "", []
    left = min(ln["x0"] for ln in lines)
    for i, line in enumerate(lines):
        text = line["text"].strip()
        following = lines[i + 1] if i + 1 < len(lines) else None
        nxt = following["text"].strip() if following else ""
        width = _char_width(line)
        full = (line["x1"] >= right - 3 * width and line["x0"] <= left + 3 * width
                and following is not None and abs(_char_width(following) - width) <= 0.15 * width)
        wraps = (full and not text.endswith(_SENTENCE_END) and not is_table_row(text)
                 and nxt and not _HEADING.match(nxt) and not is_table_row(nxt))
        carry += text
        group.append(i)
        if not wraps:
            out.append((carry, group))
            carry, group = "", []
    if carry:
        out.append((carry, group))
    return out


def _right_margin(lines: list[dict]) -> float:
    """The prose column's right edge: the most common end of long prose lines (table rows
    end anywhere); with no such common end, the page's far right, so nothing is joined."""
    ends = Counter(round(ln["x1"]) for ln in lines if len(ln["text"]) >= 15 and not is_table_row(ln["text"]))
    top = max(ends.values(), default=0)
    if top < _MARGIN_LINES:
        return max(ln["x1"] for ln in lines)
    return min(x for x, n in ends.items() if n >= top * 0.5)
