"""Make flattened-text versions of a report, as PDF-to-text tools print its tables.

    python tools/flatten_tables.py REPORT.pdf|REPORT.html --mode cells > flat.txt

Modes (FLATTENINGS):
- plain:   pypdfium2's plain text of every page (PDF only): a table row per line, its cells
           separated by single spaces, labels broken over several lines.
- cells:   one table cell per line (a label line, then each value on a line of its own).
- rows:    one table row per line without cell separators: the label run into the first
           value, the values apart only where two numbers would otherwise join.
- numbers: the values of tables 三 and 四 only, one per line, under the section headings.

Test data only: the output of a real report is never copied into the project.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from pipeline.metrics import load_format
from pipeline.model import RawTable
from pipeline.read import read_bytes, sniff
from pipeline.read.boilerplate import is_boilerplate

# A table value as tables print it: a number (maybe with its unit, 251000元), or a blank mark (/, —).
_VALUE_TEXT = r"[+-]?\d[\d,]*(?:\.\d+)?(?:万元|元|件|条|项|个|次)?|[/／—–－-]{1,2}"
_VALUE = re.compile(rf"^(?:{_VALUE_TEXT})$")
# A line's trailing values: the label, then values each standing apart (space before, space or end after).
_TRAILING = re.compile(rf"^(?P<label>.*?)\s*(?P<values>(?:(?<!\S)(?:{_VALUE_TEXT})(?:\s+|$))+)$")

FLATTENINGS = ("plain", "cells", "rows", "numbers")


def plain_text(data: bytes) -> str:
    """Every page's text as pypdfium2 gives it without layout (get_text_range)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _line_cells(line: str) -> list[str]:
    """A printed line as cells: its label and each trailing value (a page's footer number is
    no table row and stays one line)."""
    found = _TRAILING.match(line.strip())
    if not found or is_boilerplate(line):
        return [line.strip()]
    label = found.group("label").strip()
    return ([label] if label else []) + found.group("values").split()


def _table_rows(table: RawTable) -> list[list[str]]:
    """A grid's rows as their printed cells, a spanning cell once."""
    seen: set[int] = set()
    rows = []
    for cells, origins in zip(table.rows, table.origins):
        printed = [c.strip() for c, o in zip(cells, origins) if not (o in seen or seen.add(o))]
        rows.append([c for c in printed if c])
    return rows


def source_rows(data: bytes, name: str) -> list[list[str]]:
    """The report as rows of cells: a PDF's plain-text lines, a page's paragraphs and grid rows."""
    if sniff(data, name) == "pdf":
        return [_line_cells(line) for line in plain_text(data).splitlines() if line.strip()]
    raw = read_bytes(data, name)
    rows: list[list[str]] = [[raw.title]] if raw.title else []
    for block in raw.blocks:
        rows.extend(_table_rows(block) if isinstance(block, RawTable) else [[block]])
    return rows


def _glued(cells: list[str]) -> str:
    """A row without separators: only two values side by side keep a space between them."""
    out, before = "", ""
    for cell in cells:
        out += " " + cell if _VALUE.match(before) and _VALUE.match(cell) else cell
        before = cell
    return out


def _heading(text: str, sections: list[str]) -> int | None:
    """Which section heading (一 … 六, as the key file names them) a line is, if any."""
    return next((i for i, s in enumerate(sections) if s[2:] in text and len(text) <= len(s) + 4), None)


def _numbers_only(rows: list[list[str]]) -> list[str]:
    """Tables 三 and 四 as their values alone; every line outside them as printed."""
    sections = load_format("2021")["sections"]
    lines, inside = [], False
    for cells in rows:
        text = "".join(cells)
        heading = _heading(text, sections)
        if heading is not None:
            inside = heading in (2, 3)
            lines.append(text)
        elif inside:
            lines.extend(c for c in cells if _VALUE.match(c))
        else:
            lines.append(" ".join(cells))
    return lines


def flatten(data: bytes, name: str, mode: str) -> str:
    """The report's text flattened in one of FLATTENINGS."""
    if mode == "plain":
        if sniff(data, name) != "pdf":
            raise ValueError("the plain flattening is pypdfium2's text of a PDF")
        return plain_text(data)
    rows = source_rows(data, name)
    if mode == "cells":
        lines = [cell for cells in rows for cell in cells]
    elif mode == "rows":
        lines = [_glued(cells) for cells in rows]
    elif mode == "numbers":
        lines = _numbers_only(rows)
    else:
        raise ValueError(f"unknown flattening {mode!r}; one of {', '.join(FLATTENINGS)}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--mode", choices=FLATTENINGS, default="cells")
    args = parser.parse_args()
    sys.stdout.write(flatten(args.path.read_bytes(), args.path.name, args.mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
