"""Script and width normalization. OpenCC t2s and width folding happen here and only
here, so every offset downstream points into the same normalized text."""
from __future__ import annotations

import re
from functools import lru_cache

import opencc

from pipeline.model import Document, RawDocument, RawTable, Row, Token

# Full-width digits, Latin letters and the signs that take part in numbers; Chinese
# punctuation such as （）、，。 stays, because the standard labels are printed with it.
_WIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}
_WIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})
_WIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})
_WIDTH.update({"＋": "+", "－": "-", "．": ".", "％": "%", "\u3000": " ", "\xa0": " ", "／": "/"})
_WIDTH_TABLE = str.maketrans(_WIDTH)

_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’《》"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\f\v]+")

# Characters that exist only in traditional script; enough of them means the page
# was converted by a 繁體 toggle (or written in traditional script).
_TRADITIONAL_HINTS = set("國與為這個們來時會對說過還進發經開關門問間聞點體處機構條據區會議況務實際際現應該總計結轉辦報費當當據務縣鄉鎮單復訴訟類項審權護產業級規範導動統網頁隨書數務")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    """Loaded once per process: building the converter reads its dictionaries."""
    return opencc.OpenCC("t2s.json")


_HAN = re.compile("[\u4e00-\u9fff]")  # a Han character, counted by the regex engine rather than a Python loop
_HINT = re.compile(f"[{''.join(sorted(_TRADITIONAL_HINTS))}]")  # one of the traditional-only characters


def detect_script(text: str) -> str:
    """'traditional' when traditional-only characters are a notable share of the Han text."""
    han = len(_HAN.findall(text))
    if not han:
        return "simplified"
    hints = len(_HINT.findall(text))
    return "traditional" if hints / han > 0.02 else "simplified"


def fold_width(text: str) -> str:
    return text.translate(_WIDTH_TABLE)


def clean_spaces(text: str) -> str:
    """PDF text layers space out every glyph ('2023 年'); spaces next to Chinese carry no meaning."""
    return _squeeze(text).strip()


def _squeeze(text: str) -> str:
    return _SPACE_NEAR_CJK.sub("", _SPACES.sub(" ", text))


def to_simplified(texts: list[str]) -> list[str]:
    """Convert many strings with one OpenCC call when lengths allow, keeping them aligned."""
    if not texts:
        return []
    joined = "\n".join(texts)
    converted = _t2s().convert(joined)
    parts = converted.split("\n")
    if len(parts) == len(texts):
        return parts
    return [_t2s().convert(t) for t in texts]


# Joins a page's text units for one pass of each substitution. Neither space pattern matches
# it nor counts it as Chinese, so each unit comes out as if cleaned alone; a unit holding it
# (never in a report) sends the page through unit by unit.
_UNIT_SEPARATOR = "\x00"


def normalize_units(texts: list[str], traditional: bool) -> list[str]:
    """Normalize each text unit (a paragraph line or a table cell) independently: a page has
    a thousand cells, and three calls per cell cost more than three passes over them all."""
    parts = _squeeze(fold_width(_UNIT_SEPARATOR.join(texts))).split(_UNIT_SEPARATOR)
    if len(parts) != len(texts):
        parts = [_squeeze(fold_width(t)) for t in texts]
    folded = [part.strip() for part in parts]
    return to_simplified(folded) if traditional else folded


def build_document(raw: RawDocument) -> Document:
    """Normalize every text unit, then lay paragraphs and table rows out as one text.

    A table row becomes one line with cells separated by tabs; a cell spanning rows or
    columns is printed once, and every grid slot it covers points at that one place.
    """
    units: list[str] = []
    for block in raw.blocks:
        if isinstance(block, RawTable):
            units.extend(cell for row in block.rows for cell in row)
        else:
            units.append(block)
    sample = "".join(units[:400])
    script = detect_script(sample)
    normalized = iter(normalize_units(units, script == "traditional"))

    parts: list[str] = []
    lines: list[tuple[int, int]] = []
    rows: list[Row] = []
    pos = 0

    # `pos` is where the next part starts in the document's text (a thousand cells a page:
    # the offsets are kept inline, not by a helper called per cell).
    for block in raw.blocks:
        if not isinstance(block, RawTable):
            text = next(normalized)
            parts += (text, "\n")
            lines.append((pos, pos + len(text)))
            rows.append(Row(tokens=_split_tokens(text, pos), in_table=False))
            pos += len(text) + 1
            continue
        placed: dict[int, tuple[int, int]] = {}
        for origin_row in block.origins:
            tokens: list[Token] = []
            for col, oid in enumerate(origin_row):
                text = next(normalized)
                if col:
                    parts.append("\t")
                    pos += 1
                if oid not in placed:
                    placed[oid] = (pos, pos + len(text))
                    parts.append(text)
                    pos += len(text)
                start, end = placed[oid]
                tokens.append(Token(text, start, end, oid))
            parts.append("\n")
            pos += 1
            rows.append(Row(tokens=tokens, in_table=True))
    title = raw.title
    if title and script == "traditional":
        title = to_simplified([fold_width(title)])[0]
    return Document(text="".join(parts), lines=lines, rows=rows, medium=raw.medium, script=script,
                    title=title, encoding=raw.encoding, meta=dict(raw.meta))


_WORD = re.compile(r"\S+")  # a line's pieces are what spaces separate


def _split_tokens(text: str, offset: int) -> list[Token]:
    return [Token(m.group(0), offset + m.start(), offset + m.end()) for m in _WORD.finditer(text)]
