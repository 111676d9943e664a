"""Statistics tables appended to pre-2019 prose reports (指标统计附表): one indicator per
row, a unit column, this year's column and often a cumulative one (历年累计). Every data
cell becomes a figure, zeros included and blanks as null; the cumulative column's figures
carry scope `cumulative`, so they take no this-year key."""
from __future__ import annotations

import re

from pipeline.model import Document, Figure, Row, Token
from pipeline.numbers import parse_number

_UNIT_HEADER = re.compile(r"^(计量)?单位$")
_CUMULATIVE = re.compile(r"累计|合计至|截至")
_THIS_YEAR = re.compile(r"(20\d{2}|本|今)年度?|本期|数量|数值|数据")
_LABEL_NOISE = re.compile(r"^(其中[：:]?)?(\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]+[)）])?")
_BLANK = {"", "/", "—", "-", "－", "无"}


def _header(row: Row) -> tuple[int, int, int | None] | None:
    """(unit column, this year's column, cumulative column or None) when the row is an
    appendix table header."""
    texts = [t.text.replace(" ", "") for t in row.tokens]
    unit = next((i for i, t in enumerate(texts) if _UNIT_HEADER.match(t)), None)
    year = next((i for i, t in enumerate(texts) if i != unit and i > 0 and _THIS_YEAR.search(t)
                 and not _CUMULATIVE.search(t)), None)
    cumulative = next((i for i, t in enumerate(texts) if i not in (unit, year) and i > 0 and _CUMULATIVE.search(t)
                       and not re.search(r"全年|本年", t)), None)
    if unit is None or year is None:
        return None
    return unit, year, cumulative


def _figure(row: Row, unit_col: int, value_col: int, scope: str = "year") -> Figure | None:
    if len(row.tokens) <= max(unit_col, value_col):
        return None
    label = _LABEL_NOISE.sub("", row.tokens[0].text.replace(" ", ""))
    cell: Token = row.tokens[value_col]
    text = cell.text.strip()
    value = None if text in _BLANK else parse_number(text.replace(",", ""))
    if not label or (value is None and text not in _BLANK):
        return None
    return Figure(label=label, value=value, unit=row.tokens[unit_col].text.strip() or None,
                  start=cell.start, end=cell.end, source="appendix", scope=scope)


def extract_appendix_figures(doc: Document) -> list[Figure]:
    figures: list[Figure] = []
    columns: tuple[int, int, int | None] | None = None
    for row in doc.rows:
        if not row.in_table:
            columns = None
            continue
        header = _header(row)
        if header:
            columns = header
            continue
        if columns:
            unit_col, year_col, cumulative_col = columns
            fig = _figure(row, unit_col, year_col)
            if fig:
                figures.append(fig)
            cum = _figure(row, unit_col, cumulative_col, "cumulative") if cumulative_col is not None else None
            if cum:
                figures.append(cum)
    return figures
