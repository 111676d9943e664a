"""Empty cells of tables 三 and 四 in PDF text layers. A text line loses empty cells, so a
row printing only 自然人 and 总计 would read as two numbers. Where a row printing every column
prints its numbers (else where the column headers stand) says which column each printed
number stands in; the empty ones become a blank mark (on a page read by OCR, the mark of a
cell not read)."""
from __future__ import annotations

import re

from pipeline.model import UNREAD_CELL

_HEADERS = ["自然人", "商业", "科研", "社会", "法律", "其他", "总计"]
# A cell's number, or the mark of a cell OCR could not read: either holds its column.
_NUMBER = re.compile(r"^(?:[+-]?\d[\d,]*(?:\.\d+)?|" + re.escape(UNREAD_CELL) + ")$")
BLANK = "—"
# Table 四's heading or head row: a short line naming 行政复议 without a sentence's punctuation
# (a prose line before the tables may name 行政复议 too).
_REVIEW_HEADING = re.compile(r"^[^，。；：]{0,16}行政复议[^，。；：]{0,16}$")


def _tokens(line: dict) -> list[tuple[str, list[dict]]]:
    """The line's words as pdfplumber spaced them, each with its chars (spaces are not chars)."""
    chars = [c for c in line.get("chars", []) if c["text"].strip()]
    words, at = [], 0
    for word in line["text"].split():
        words.append((word, chars[at:at + len(word)]))
        at += len(word)
    return words if at == len(chars) else []


def _center(chars: list[dict]) -> float:
    return (chars[0]["x0"] + chars[-1]["x1"]) / 2


def _anchors(header_lines: list[dict]) -> list[float] | None:
    """x-centres of the seven value columns, from the header words (missing ones interpolated)."""
    found: dict[int, float] = {}
    for line in header_lines:
        chars = [c for c in line.get("chars", []) if c["text"].strip()]
        text = "".join(c["text"] for c in chars)
        for i, word in enumerate(_HEADERS):
            at = text.rfind(word)
            if at >= 0 and i not in found:
                found[i] = _center(chars[at:at + len(word)])
    if 0 not in found or 6 not in found or found[6] - found[0] < 6 * 15:
        return None
    step = (found[6] - found[0]) / 6
    return [found.get(i, found[0] + i * step) for i in range(7)]


# Table 四 prints these five column heads once for 行政复议 and twice for 行政诉讼.
_REVIEW_WORDS = ("维持", "纠正", "其他", "尚未", "总")


def _review_anchors(header_lines: list[dict]) -> list[float] | None:
    """x-centres of table 四's fifteen value columns, when every head is found three times."""
    anchors: list[float] = []
    for word in _REVIEW_WORDS:
        found: list[float] = []
        for line in header_lines:
            chars = [c for c in line.get("chars", []) if c["text"].strip()]
            text = "".join(c["text"] for c in chars)
            found += [_center(chars[m.start():m.end()]) for m in re.finditer(word, text)]
        distinct = [x for i, x in enumerate(sorted(found)) if i == 0 or x - sorted(found)[i - 1] > 6]
        if len(distinct) != 3:
            return None
        anchors += distinct
    anchors.sort()
    return anchors if all(b - a >= 8 for a, b in zip(anchors, anchors[1:])) else None


def _split_glued(words: list[tuple[str, list[dict]]]) -> list[tuple[str, list[dict]]]:
    """'数量21' is a label word and a number printed close together."""
    out = []
    for word, chars in words:
        glued = re.match(r"^(.*\D)(\d[\d,]*(?:\.\d+)?)$", word)
        if glued and chars:
            cut = len(glued.group(1))
            out += [(glued.group(1), chars[:cut]), (glued.group(2), chars[cut:])]
        else:
            out.append((word, chars))
    return out


def _trailing(words: list[tuple[str, list[dict]]]) -> list[tuple[str, list[dict]]]:
    """The numbers that end a line, with their chars."""
    trailing: list[tuple[str, list[dict]]] = []
    for word, chars in reversed(words):
        if not _NUMBER.match(word):
            break
        trailing.insert(0, (word, chars))
    return trailing


def _row_anchors(lines: list[dict], count: int) -> list[float] | None:
    """x-centres of the value columns where the first row printing all of them prints them:
    the data rows place the columns, whatever the header cells span (自然人 centred over its
    value column and one the rows leave empty)."""
    for line in lines:
        trailing = _trailing(_split_glued(_tokens(line)))
        if len(trailing) == count:
            return [_center(chars) for _, chars in trailing]
    return None


def _refill(line: dict, anchors: list[float]) -> None:
    words = _split_glued(_tokens(line))
    printed = _trailing(words)
    trailing = [piece for word in printed for piece in _straddling(word, anchors)]
    if not 1 <= len(printed) < len(anchors) or len(trailing) > len(anchors):
        return
    half = (anchors[1] - anchors[0]) / 2
    if _center(trailing[0][1]) < anchors[0] - half:
        return
    slots: dict[int, str] = {}
    for word, chars in trailing:
        column = _nearest(anchors, _center(chars))
        if column in slots:
            return
        slots[column] = word
    label = "".join(word for word, _ in words[:len(words) - len(printed)])
    line["text"] = " ".join([label] + [slots.get(i, _empty(line)) for i in range(len(anchors))]).strip()


def _nearest(anchors: list[float], x: float) -> int:
    return min(range(len(anchors)), key=lambda i: abs(anchors[i] - x))


def _straddling(word: tuple[str, list[dict]], anchors: list[float]) -> list[tuple[str, list[dict]]]:
    """A number whose first and last characters stand in two columns ('101' read over the cells
    10 and 1, as OCR boxes neighbouring cells together) is cut where its characters change
    column; a printed number is far narrower than a column's pitch and stays whole."""
    text, chars = word
    columns = [_nearest(anchors, (c["x0"] + c["x1"]) / 2) for c in chars]
    if len(set(columns)) != 2 or columns != sorted(columns):
        return [word]
    cut = columns.index(columns[-1])
    return [(text[:cut], chars[:cut]), (text[cut:], chars[cut:])]


def _empty(line: dict) -> str:
    """What stands in a column the line prints nothing in: a blank, in a text layer; on a page
    read by OCR (its chars carry a confidence) nothing recognised is not a printed blank but
    a cell not read, so its figure is unknown."""
    return UNREAD_CELL if any("confidence" in c for c in line.get("chars", [])) else BLANK


def fill_blank_columns(lines: list[dict]) -> None:
    """Rewrite, in place, the text of table rows that print fewer numbers than columns."""
    anchors = None
    header_from = None
    for i, line in enumerate(lines):
        text = line["text"]
        if anchors is None and ("申请人情况" in text or "自然人" in text):
            header_from = i if header_from is None else header_from
        if "本年新收" in text and header_from is not None and anchors is None:
            anchors = _anchors(lines[header_from:i])
            if anchors is not None:
                anchors = _row_anchors(_table_rows(lines, i), len(anchors)) or anchors
        if _REVIEW_HEADING.match(text):
            _fill_review(lines, i)
            return
        if anchors is not None:
            _refill(line, anchors)


def _table_rows(lines: list[dict], start: int) -> list[dict]:
    """Table 三's lines from its first data row up to table 四's heading."""
    end = next((j for j in range(start, len(lines)) if "行政复议" in lines[j]["text"]), len(lines))
    return lines[start:end]


def _fill_review(lines: list[dict], heading: int) -> None:
    """Table 四: the first row of numbers under the heading, placed by the column heads above it."""
    for i in range(heading + 1, min(heading + 12, len(lines))):
        if re.search(r"\d\s*$", lines[i]["text"]):
            anchors = _review_anchors(lines[heading:i])
            if anchors:
                _refill(lines[i], anchors)
            return
