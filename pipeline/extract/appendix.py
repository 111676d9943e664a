"""Statistics tables appended to pre-2019 prose reports (指标统计附表): one indicator per
row, a unit column, this year's column and often a cumulative one (历年累计). This year's
values become figures; cumulative ones are left out, as narrative_keys.yaml asks."""
from __future__ import annotations

import re

from pipeline.model import Document, Figure, Row, Token
from pipeline.numbers import parse_number

_UNIT_HEADER = re.compile(r"^(计量)?单位$")
_CUMULATIVE = re.compile(r"累计|合计至|截至")
_THIS_YEAR = re.compile(r"(20\d{2}|本|今)年度?|本期|数量|数值|数据")
_LABEL_NOISE = re.compile(r"^(其中[：:]?)?(\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]+[)）])?")
_BLANK = {"", "/", "—", "-", "－", "无"}


def _header(row: Row) -> tuple[int, int] | None:
    """(unit column, this year's column) when the row is an appendix table header."""
    texts = [t.text.replace(" ", "") for t in row.tokens]
    unit = next((i for i, t in enumerate(texts) if _UNIT_HEADER.match(t)), None)
    year = next((i for i, t in enumerate(texts) if i != unit and i > 0 and _THIS_YEAR.search(t)
                 and not _CUMULATIVE.search(t)), None)
    if unit is None or year is None:
        return None
    return unit, year


def _figure(row: Row, unit_col: int, value_col: int) -> Figure | None:
    if len(row.tokens) <= max(unit_col, value_col):
        return None
    label = _LABEL_NOISE.sub("", row.tokens[0].text.replace(" ", ""))
    cell: Token = row.tokens[value_col]
    text = cell.text.strip()
    value = None if text in _BLANK else parse_number(text.replace(",", ""))
    if not label or (value is None and text not in _BLANK):
        return None
    return Figure(label=label, value=value, unit=row.tokens[unit_col].text.strip() or None,
                  start=cell.start, end=cell.end, source="appendix")


def extract_appendix_figures(doc: Document) -> list[Figure]:
    figures: list[Figure] = []
    columns: tuple[int, int] | None = None
    for row in doc.rows:
        if not row.in_table:
            columns = None
            continue
        header = _header(row)
        if header:
            columns = header
            continue
        if columns:
            fig = _figure(row, *columns)
            if fig:
                figures.append(fig)
    return figures
