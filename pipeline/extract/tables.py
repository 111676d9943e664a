"""The three standard tables (二 主动公开, 三 申请, 四 复议诉讼) → canonical cells.

Rows come from HTML/Word grids or from printed PDF lines; both are reduced to a label and
its trailing values. Table 三 has a fixed row order, so rows are mapped by position when
their count fits the template, with labels used to spot subtotal rows and the 其他处理
variant; candidate readings are ranked by how many definitional relations they break.
Its value columns are placed by the data rows, not by the header, whose cells may span
differently (自然人 over two grid columns above one value); when several placements are
possible, the relations that one of them breaks are our misreading, not the report's.
Flattened text (one cell per line, or the values alone) is read by position: labels rejoined
with the values after them, or the values counted against the template; the relations then
only flag what does not add up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations, takewhile
from functools import lru_cache

from pipeline.checks import count_failures
from pipeline.metrics import COLUMN_LABELS, COLUMNS, cell_labels, cell_units, load_format, ocr_rules, request_rows
from pipeline.model import UNREAD_CELL, Document, Figure, Row, Token, read_by_ocr
from pipeline.numbers import parse_number

_NUM = r"[+-]?\d[\d,]*(?:\.\d+)?"
# A cell may carry its unit: 251000元 (kept, it decides the amount), 12件 (the table's own unit).
_VALUE = re.compile(rf"^({_NUM})(万元|元)?(?:件|条|项|个|次)?$")
_BLANKS = {"", "/", "／", "—", "——", "-", "－", "–", "\\", "无", "空", "_", UNREAD_CELL}
# A printed blank (a dash or slash), or OCR's mark of a cell it could not read: no value.
_BLANK_MARK = r"(?:[/／—–－-]{1,2}|" + re.escape(UNREAD_CELL) + ")"
_TOKEN = rf"(?:({_NUM})(万元|元)?(?:件|条|项|个|次)?|{_BLANK_MARK})"
_TRAILING = re.compile(rf"^(?P<label>.*?)(?P<nums>(?:{_TOKEN}\s*)+)$")
# The characters other than a digit that a line's trailing values can end with (a number's
# comma, a unit, a blank mark, OCR's mark of a cell it could not read). _TRAILING is tried
# only on a line that ends with one: on a sentence, its label tried every start and every
# split of each run of digits before failing.
_TOKEN_ENDS = frozenset(",元件条项个次/／—–－-" + UNREAD_CELL)
_SPACE = re.compile(r"\s+")


@dataclass
class Cell:
    value: int | float | None
    unit: str | None
    start: int
    end: int


@dataclass
class DataRow:
    label: str
    cells: list[Cell]
    index: int


def _parse_cell(token: Token) -> Cell | None:
    parsed = _cell_value(token.text)
    if parsed is None:
        return None
    value, unit, width = parsed
    return Cell(value, unit, token.start, token.end if width is None else token.start + width)


@lru_cache(maxsize=4096)
def _cell_value(text: str) -> tuple[int | float | None, str | None, int | None] | None:
    """A cell's value, unit and printed width (width None: a blank, the whole cell); None when
    the text is no value. Cached: table cells print the same few numbers in every report, and
    each row is read several times (placements, readings)."""
    text = text.strip()
    if text in _BLANKS:
        return None, None, None
    found = _VALUE.match(text.replace(" ", ""))
    if not found:
        return None
    return parse_number(found.group(1)), found.group(2), len(found.group(1))


def _prints_nothing(cell: Cell) -> bool:
    """An empty cell spans no text; a blank mark (/, —) does."""
    return cell.end == cell.start


def split_row(row: Row, index: int) -> DataRow:
    """The row's label and its trailing values (cells of a grid, numbers of a printed line)."""
    if row.in_table:
        seen: set[int] = set()
        tokens = [t for t in row.tokens if not (t.origin in seen or seen.add(t.origin))]
        cells: list[Cell] = []
        cut = len(tokens)
        for token in reversed(tokens):
            cell = _parse_cell(token)
            if cell is None:
                break
            cells.insert(0, cell)
            cut -= 1
        label = "".join(t.text for t in tokens[:cut])
        return DataRow(_SPACE.sub("", label), cells, index)
    if not row.tokens:
        return DataRow("", [], index)
    text = " ".join(t.text for t in row.tokens)
    offsets = _line_offsets(row)
    found = _TRAILING.match(text) if _ends_as_value(text) else None
    if not found:
        return DataRow(_SPACE.sub("", text), [], index)
    cells = []
    for m in re.finditer(_TOKEN, found.group("nums")):
        pos = found.start("nums") + m.start()
        number = m.group(1)
        value = parse_number(number) if number else None
        cells.append(Cell(value, m.group(2), offsets(pos), offsets(pos) + len(number or m.group(0))))
    if all(c.value is None for c in cells) and not found.group("label").strip():
        return DataRow("", [], index)
    return DataRow(_SPACE.sub("", found.group("label")), cells, index)


def _ends_as_value(text: str) -> bool:
    """Whether the line's last printed character can end a value (\\d is any decimal digit)."""
    last = text.rstrip()[-1:]
    return last.isdecimal() or last in _TOKEN_ENDS


def _line_offsets(row: Row):
    """Map a position in the space-joined row text back to the document offset."""
    bounds = []
    pos = 0
    for token in row.tokens:
        bounds.append((pos, token.start))
        pos += len(token.text) + 1

    def to_doc(p: int) -> int:
        base = max((b for b in bounds if b[0] <= p), key=lambda b: b[0])
        return base[1] + (p - base[0])

    return to_doc


@lru_cache(maxsize=4096)
def norm_label(text: str) -> str:
    """A label as the templates are compared: cached, as every reading of a table matches
    each row's label and every template label again."""
    text = _SPACE.sub("", text)
    text = text.replace("(", "（").replace(")", "）").replace("．", ".").replace("、", ".").replace("，", ",")
    text = text.replace("“", "\"").replace("”", "\"").replace("合计", "总计")
    return re.sub(r"^[一二三四五六七八九十]+\.", "", text)


@lru_cache(maxsize=512)
def _leaf_text(label: str) -> str:
    """The distinctive part of a template label, without its numbering."""
    text = norm_label(label)
    return re.sub(r"^(（[一二三四五六七八九十]+）|\d+\.)", "", text)


# ---------------------------------------------------------------- table 三

_GROUPS = {"withheld": "不予公开", "unable": "无法提供", "not_processed": "不予处理", "other": "其他处理"}


@lru_cache(maxsize=None)
def _template(version: str, other_rows: bool) -> tuple[tuple[str, str], ...]:
    """Table 三's rows (key, printed label), with （六） as one row or as its three sub-rows."""
    rows = [(key, label) for key, label, _ in request_rows(version)]
    if version == "2021" and not other_rows:
        rows = [r for r in rows if not r[0].startswith("outcome.other.")]
        at = next(i for i, r in enumerate(rows) if r[0] == "outcome.total")
        rows.insert(at, ("outcome.other.subtotal", "（六）其他处理"))
    return tuple(rows)


def _region(rows: list[DataRow], start_marks: tuple[str, ...], end_marks: tuple[str, ...]) -> tuple[int, int] | None:
    start = next((r.index for r in rows if any(m in r.label for m in start_marks)), None)
    if start is None:
        return None
    end = next((r.index for r in rows[start:] if any(m in r.label for m in end_marks)), None)
    return (start, end) if end is not None else None


def _is_subtotal(row: DataRow, template: tuple[tuple[str, str], ...]) -> bool:
    """A group row with numbers of its own ((三)不予公开 小计), which some agencies add."""
    label = norm_label(row.label)
    if "小计" in label:
        return True
    if not any(g in label for g in _GROUPS.values()):
        return False
    return _label_match(row.label, template) is None and not re.search(r"\d\.", label)


def _request_readings(data: list[DataRow], version: str, other_rows: bool) -> list[dict[str, Cell]]:
    template = _template(version, other_rows)
    readings = []
    candidates = [data, [r for r in data if not _is_subtotal(r, template)]]
    for rows in candidates:
        if len(rows) == len(template):
            reading = {}
            for (key, _), row in zip(template, rows):
                for col, cell in zip(COLUMNS, row.cells[-7:]):
                    reading[f"requests.{key}.{col}"] = cell
            readings.append(reading)
    by_label = _label_reading(data, template)
    if by_label:
        readings.append(by_label)
    for row in data:
        if _is_subtotal(row, template) and row not in candidates[1]:
            group = next(k for k, g in _GROUPS.items() if g in norm_label(row.label))
            for reading in readings:
                for col, cell in zip(COLUMNS, row.cells[-7:]):
                    reading.setdefault(f"requests.outcome.{group}.subtotal.{col}", cell)
    return readings


@lru_cache(maxsize=None)
def _needles(template: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Each template row's label as it is looked for in a printed label: whole, numbering
    included, for short leaves like 3.其他; else the leaf's first ten characters."""
    needles = []
    for key, printed in template:
        leaf = _leaf_text(printed)
        needle = norm_label(printed) if len(leaf) <= 3 else leaf[:10]
        if needle:
            needles.append((needle, key))
    return tuple(needles)


@lru_cache(maxsize=8192)
def _label_match(label: str, template: tuple[tuple[str, str], ...]) -> str | None:
    """The template row whose label ends this row's label (see _needles); None when no row
    or several rows fit. Cached: every report prints the same labels."""
    text = norm_label(label)
    hits = sorted(((len(needle), key) for needle, key in _needles(template) if needle in text), reverse=True)
    if not hits:
        return None
    return hits[0][1] if len(hits) == 1 or hits[0][0] > hits[1][0] else None


def _label_reading(data: list[DataRow], template: tuple[tuple[str, str], ...]) -> dict[str, Cell]:
    """When rows do not fit the template by count, place every row whose label names it."""
    reading: dict[str, Cell] = {}
    for row in data:
        key = _label_match(row.label, template)
        if key is None or f"requests.{key}.total" in reading:
            continue
        for col, cell in zip(COLUMNS, row.cells[-7:]):
            reading[f"requests.{key}.{col}"] = cell
    return reading if len(reading) >= 7 * (len(template) // 2) else {}


def _ocr_labels(rows: list[DataRow], version: str) -> list[DataRow]:
    """Table 三's rows with each label OCR misread (characters missing or wrong, so it names no
    template row) taken for the template row it is clearly most like, when no other row's
    label names that one: the share of the template label's characters the row's label prints
    in order, at least `least` and `margin` above the next template row's. Labels of three
    characters or fewer (3.其他, 总计) are too short to tell by likeness."""
    region = _region(rows, ("本年新收",), ("结转下年度",))
    if region is None:
        return rows
    templates = [_template(version, True), _template(version, False)]
    printed_rows = {key: printed for template in templates for key, printed in template}
    table = [r for r in rows[region[0]:region[1] + 1] if len(r.cells) >= 7 and r.label]
    named = {id(r): {_label_match(r.label, template) for template in templates} - {None} for r in table}
    taken = set().union(*named.values())
    likeness = ocr_rules()["label_likeness"]
    mended = list(rows)
    for row in table:
        if named[id(row)]:
            continue
        ranked = sorted(((_likeness(row.label, printed), key, printed) for key, printed in printed_rows.items()
                         if len(_leaf_text(printed)) > 3), reverse=True)
        (best, key, printed), runner_up = ranked[0], ranked[1][0]
        if best >= likeness["least"] and best - runner_up >= likeness["margin"] and key not in taken:
            taken.add(key)
            mended[row.index] = DataRow(norm_label(printed), row.cells, row.index)
    return mended


def _likeness(label: str, printed: str) -> float:
    """The share of a template label's characters that a row's label prints, in order."""
    ours, theirs = norm_label(label), norm_label(printed)
    blocks = SequenceMatcher(None, ours, theirs, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(theirs)


def _slots(row: Row) -> list[Cell | None]:
    """A grid row's trailing value slots, right end first: the cell printed in each grid
    column up to the label, None where a cell spanning from the left repeats."""
    first: dict[int, int] = {}
    for i, token in enumerate(row.tokens):
        first.setdefault(token.origin, i)
    slots: list[Cell | None] = []
    for i in range(len(row.tokens) - 1, -1, -1):
        token = row.tokens[i]
        cell = _parse_cell(token)
        if cell is None:
            break
        slots.append(cell if first[token.origin] == i else None)
    return slots


def _value_offsets(grid_slots: list[list[Cell | None]]) -> list[int] | None:
    """Where table 三's seven values stand, as the data rows print them (offsets from the
    row's right end, left to right): the columns in which some row prints a number, or,
    short of seven, a number or a blank mark. A column every data row leaves empty is no
    value column, however the header spans above it (自然人 over a value and an empty cell,
    a Word paste's empty trailing column); None when the data rows do not show seven."""
    numbers: set[int] = set()
    marks: set[int] = set()
    for slots in grid_slots:
        for offset, cell in enumerate(slots):
            if cell is None:
                continue
            if cell.value is not None:
                numbers.add(offset)
            elif not _prints_nothing(cell):
                marks.add(offset)
    for columns in (numbers, numbers | marks):
        if len(columns) == 7:
            return sorted(columns, reverse=True)
    return None


def _placed_by_data(rows: list[DataRow], raw: list[Row], start: int, end: int) -> list[DataRow] | None:
    """Table 三's rows with the cells under the data rows' value columns (see _value_offsets);
    a row whose cells stand there already is kept as it is."""
    slots_of = {r.index: _slots(raw[r.index]) for r in rows[start:end + 1] if raw[r.index].in_table}
    offsets = _value_offsets(list(slots_of.values()))
    if offsets is None:
        return None
    placed = list(rows)
    for row in rows[start:end + 1]:
        slots = slots_of.get(row.index, [])
        cells = [slots[k] for k in offsets if k < len(slots)]
        if len(cells) == 7 and all(c is not None for c in cells) and cells != row.cells:
            placed[row.index] = DataRow(row.label, cells, row.index)
    return placed


def _best_reading(rows: list[DataRow], start: int, end: int, version: str,
                  variants: list[bool]) -> dict[str, Cell] | None:
    """The reading of one placement's rows that fits the template best."""
    inside = [r for r in rows[start:end + 1] if len(r.cells) >= 7]
    data = [r for r in inside if r.label or any(c.value is not None for c in r.cells[-7:])]
    readings = [r for v in variants for r in _request_readings(data, version, v)]
    if not readings:
        return None
    # Prefer readings that place (nearly) every row, then the one that breaks fewest relations.
    complete = [r for r in readings if len(r) >= 7 * (len(_template(version, True)) - 2)] or readings
    return min(complete, key=lambda reading: (_failures(reading, version), -len(reading)))


def _requests(rows: list[DataRow], version: str, raw: list[Row]) -> dict[str, Cell]:
    region = _region(rows, ("本年新收",), ("结转下年度",))
    if region is None:
        # Values without their labels (a text extract that kept only the numbers): from the
        # section heading on, by position alone.
        heading = _section_row(rows, 2, version)
        return {} if heading is None else _requests_by_count(rows, heading, version, [False, True])
    texts = "".join(r.label for r in rows[region[0]:region[1] + 1])
    # （六）其他处理: one row (2019, and some 2021 reports) or three sub-rows (2021, 逾期…).
    variants = [False] if version == "2019" else [True] if "逾期" in texts else [False, True]
    # Two placements of the value columns: by the data rows, and each row's last seven cells.
    by_data = _placed_by_data(rows, raw, *region)
    placements = [rows] if by_data in (None, rows) else [by_data, rows]
    readings = [r for p in placements if (r := _best_reading(p, *region, version, variants)) is not None]
    if not readings:
        # No printed line holds a row's values: a flattened text, each label then its values.
        joined = _rejoined(rows[region[0]:_table_three_end(rows, region[0])])
        return (_best_reading(joined, 0, len(joined) - 1, version, variants)
                or _requests_by_count(rows, region[0], version, variants))
    # A relation that one placement breaks and another keeps was broken by our reading, not
    # by the report; ties go to the placement that reads more printed numbers, then the first.
    return min(readings, key=lambda r: (_failures(r, version), -sum(c.value is not None for c in r.values())))


def _section_row(rows: list[DataRow], number: int, version: str) -> int | None:
    """The row of a numbered section heading (一 … 六, as the key file words them)."""
    words = norm_label(load_format(version)["sections"][number])
    return next((r.index for r in rows if words in norm_label(r.label) and len(r.label) <= len(words) + 4), None)


def _table_three_end(rows: list[DataRow], start: int) -> int:
    """Where table 三 ends in the text: table 四's heading or the next section."""
    return next((r.index for r in rows[start:] if "行政复议" in r.label or r.label.startswith(("五、", "四、政府信息公开"))),
                len(rows))


def _rejoined(rows: list[DataRow]) -> list[DataRow]:
    """Flattened lines back into table rows: a label (however many lines it is broken over)
    with the values printed after it, up to the next label."""
    joined: list[DataRow] = []
    for row in rows:
        if not joined or (row.label and joined[-1].cells):
            joined.append(DataRow(row.label, list(row.cells), len(joined)))
        else:
            joined[-1].label += row.label
            joined[-1].cells.extend(row.cells)
    return joined


def _requests_by_count(rows: list[DataRow], start: int, version: str, variants: list[bool]) -> dict[str, Cell]:
    """Tables flattened to one value per line: fill by position only when the count of
    numbers fits the template exactly; the relations then flag what does not add up."""
    numbers = [cell for row in rows[start:_table_three_end(rows, start)] for cell in row.cells]
    readings = []
    for other_rows in variants:
        template = _template(version, other_rows)
        if len(numbers) == 7 * len(template):
            readings.append({f"requests.{key}.{col}": numbers[7 * i + j]
                             for i, (key, _) in enumerate(template) for j, col in enumerate(COLUMNS)})
    return min(readings, key=lambda r: _failures(r, version), default={})


def _failures(reading: dict[str, Cell], version: str) -> int:
    return count_failures({k: c.value for k, c in reading.items()}, version, "definitional")


# ---------------------------------------------------------------- table 二

_PROACTIVE_ROWS = [("行政规范性文件", "normative_docs"), ("规范性文件", "normative_docs"), ("规章", "regulations"),
                   ("行政许可", "licensing"), ("其他对外管理服务事项", "other_mgmt_services"), ("行政处罚", "penalty"),
                   ("行政强制", "coercion"), ("行政事业性收费", "admin_fees"), ("政府集中采购", "central_procurement")]
_PROACTIVE_COLUMNS = {
    "2021": {"regulations": ["issued", "repealed", "in_force"], "normative_docs": ["issued", "repealed", "in_force"],
             "licensing": ["decisions"], "penalty": ["decisions"], "coercion": ["decisions"], "admin_fees": ["amount"]},
    "2019": {"regulations": ["new_made", "new_published", "total_published"],
             "normative_docs": ["new_made", "new_published", "total_published"],
             "licensing": ["prev_year_items", "change", "decisions"],
             "other_mgmt_services": ["prev_year_items", "change", "decisions"],
             "penalty": ["prev_year_items", "change", "decisions"], "coercion": ["prev_year_items", "change", "decisions"],
             "admin_fees": ["prev_year_items", "change"], "central_procurement": ["projects", "amount"]},
}


def _proactive(rows: list[DataRow], version: str, stop: int) -> dict[str, Cell]:
    start = next((r.index for r in rows if "第二十条" in r.label or "主动公开政府信息情况" in r.label), None)
    if start is None:
        return {}
    region = rows[start:stop]
    headers = "".join(r.label for r in region if r.label.startswith("信息内容"))
    columns = _PROACTIVE_COLUMNS["2021" if "本年制发" in headers or "现行有效" in headers else
                                  "2019" if "本年新制作" in headers or "对外公开总数" in headers else version]
    out: dict[str, Cell] = {}
    for i, row in enumerate(region):
        label = norm_label(row.label)
        item = next((key for name, key in _PROACTIVE_ROWS if label.endswith(name) or label == name), None)
        if item is None or item not in columns:
            continue
        names = columns[item]
        cells = list(row.cells) or _orphan_cells(region, i)
        while len(cells) > len(names) and cells[-1].value is None:
            cells.pop()
        if len(cells) > len(names) and len(names) == 1:
            cells = [c for c in cells if c.value is not None][-1:] or cells[-1:]
        for name, cell in zip(names, cells[-len(names):]):
            out.setdefault(f"proactive.{item}.{name}", cell)
    return out


def _orphan_cells(region: list[DataRow], i: int) -> list[Cell]:
    """PDF cells centred beside a label may print on the line above or below it, alone; a
    flattened text prints them below it, one per line."""
    below = list(takewhile(lambda r: r.cells and not r.label, region[i + 1:]))
    if below:
        return [cell for row in below for cell in row.cells]
    above = region[i - 1] if i > 0 else None
    return list(above.cells) if above and above.cells and not above.label else []


# ---------------------------------------------------------------- table 四

_REVIEW_KEYS = [f"{group}.{col}" for group in ("review", "litigation.direct", "litigation.after_review")
                for col in ("upheld", "corrected", "other", "pending", "total")]


# Cells printing nothing, beyond fifteen, that a row of table 四 may carry (beside a value
# whose head spans two columns, a Word paste's trailing column); more is no known layout.
_MAX_UNPRINTED = 3


def _review_cells(cells: list[Cell], version: str) -> list[Cell]:
    """A table-四 row's values: the last fifteen once trailing blanks are dropped, or fifteen
    left when cells printing nothing are left out, whichever keeps the relations (a head
    spanning two columns above one value leaves an empty cell beside it)."""
    if len(cells) <= 15:
        return cells
    kept = list(cells)
    while len(kept) > 15 and kept[-1].value is None:
        kept.pop()
    placements = [kept[-15:]]
    extra = len(cells) - 15
    if extra <= _MAX_UNPRINTED:
        unprinted = [i for i, c in enumerate(cells) if _prints_nothing(c)]
        placements += [[c for i, c in enumerate(cells) if i not in left_out]
                       for left_out in combinations(unprinted, extra)]
    return min(placements, key=lambda p: (_failures(dict(zip(_REVIEW_KEYS, p)), version),
                                          -sum(c.value is not None for c in p)))


def _review(rows: list[DataRow], begin: int, version: str) -> dict[str, Cell]:
    header = next((r.index for r in rows[begin:] if "行政复议" in r.label and "行政诉讼" in "".join(
        x.label for x in rows[r.index:r.index + 3])), None)
    if header is None:
        return {}
    values: list[Cell] = []
    for row in rows[header:header + 12]:
        cells = _review_cells(row.cells, version)
        if len(cells) >= 5:
            values.extend(cells[-15:])
        if len(values) >= 15:
            return dict(zip(_REVIEW_KEYS, values[:15]))
    heading = _section_row(rows, 3, version)
    return _review_by_count(rows, header if heading is None or heading < begin else heading)


# A table-四 header cell is short (结果维持, 未经复议直接起诉); a longer line is prose.
_REVIEW_HEADER_CHARS = 20


def _review_by_count(rows: list[DataRow], header: int) -> dict[str, Cell]:
    """Table 四 flattened (its header one word per line, its values one per line or all on
    one): the fifteen values after the header, when exactly fifteen stand before the text
    goes on (the next section, or a line too long to be a header cell)."""
    values: list[Cell] = []
    for row in rows[header + 1:]:
        if len(row.label) > _REVIEW_HEADER_CHARS or row.label.startswith(("五、", "六、")) or len(values) >= 15:
            break
        values.extend(row.cells)
    return dict(zip(_REVIEW_KEYS, values)) if len(values) == 15 else {}


# ---------------------------------------------------------------- all tables

def extract_table_figures(doc: Document, fmt: str) -> list[Figure]:
    version = "2019" if fmt == "std2019" else "2021"
    rows = [split_row(r, i) for i, r in enumerate(doc.rows)]
    if read_by_ocr(doc.medium):
        rows = _ocr_labels(rows, version)
    requests = _requests(rows, version, doc.rows)
    table3 = next((r.index for r in rows if "本年新收" in r.label or "申请人情况" in r.label), len(rows))
    end3 = next((r.index for r in rows[table3:] if "结转下年度" in r.label), 0)
    cells = {**_proactive(rows, version, table3), **requests, **_review(rows, end3, version)}
    labels = {**cell_labels("2019"), **cell_labels("2021")}
    units = cell_units()
    figures = []
    for key, cell in cells.items():
        # Subtotal rows are derived cells without a unit of their own; they count requests.
        unit = cell.unit or units.get(key, "件")
        figures.append(Figure(label=labels.get(key) or _derived_label(key), value=cell.value, unit=unit,
                              start=cell.start, end=cell.end, source="table", key=key))
    return figures


def _derived_label(key: str) -> str:
    parts = key.split(".")
    group = _GROUPS.get(parts[2], parts[2]) if len(parts) > 3 else key
    col = COLUMN_LABELS[COLUMNS.index(parts[-1])] if parts[-1] in COLUMNS else parts[-1]
    return f"{group}（小计）/{col}"
