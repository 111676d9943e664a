"""Records passed between stages. Each stage reads what the one before wrote."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class SourceDoc:
    """One stored document and what the fetch (or the user) knows about it.

    `issuer` and `adcode` come from a crawl source's configuration; when present they
    override what classification guesses from the text.
    """

    path: Path
    url: str | None = None
    fetched_at: datetime | None = None
    content_type: str | None = None
    issuer: str | None = None
    adcode: str | None = None
    referrer: str | None = None
    doc_id: str | None = None  # the content address, once the runner has hashed the file
    extra: dict = field(default_factory=dict, compare=False)


class DocumentError(Exception):
    """A document that cannot be processed; the message is the one-line reason."""


@dataclass
class RawTable:
    """A table as a grid after row/col-span expansion.

    `origins` gives each grid position the id of the printed cell it came from, so a value
    spanning three columns is one figure, not three.
    """

    rows: list[list[str]]
    origins: list[list[int]]


@dataclass
class RawDocument:
    """What a reader gets out of the bytes: text blocks and tables in reading order."""

    blocks: list[str | RawTable]
    medium: str
    title: str | None = None
    encoding: str | None = None
    meta: dict = field(default_factory=dict)


class Token(NamedTuple):
    """A piece of a row (a table cell or a whitespace-separated word) with its offsets. A named
    tuple: a page makes a thousand, and a frozen dataclass costs three times as much to make."""

    text: str
    start: int
    end: int
    origin: int = -1


@dataclass
class Row:
    """One printed row: a table row's cells or one line of text split at spaces."""

    tokens: list[Token]
    in_table: bool


@dataclass
class Document:
    """The normalized document: one text, and rows/lines that point into it."""

    text: str
    lines: list[tuple[int, int]]
    rows: list[Row]
    medium: str
    script: str
    title: str | None
    encoding: str | None
    meta: dict = field(default_factory=dict)

    def line_texts(self) -> list[tuple[int, str]]:
        return [(s, self.text[s:e]) for s, e in self.lines]


# What OCR prints in a table cell it looked at and could not read (the column has figures
# above and below): the figure is unknown (value None, ocr_confidence 0), not a blank as printed.
UNREAD_CELL = "?"


def read_by_ocr(medium: str) -> bool:
    """Whether a document's text came from OCR: a scanned PDF ('pdf-ocr'), an image file, or a
    page whose pictures were read ('html+ocr')."""
    return medium == "image" or medium.endswith("ocr")


@dataclass
class Figure:
    """One number the report states, with what it counts and where it is printed."""

    label: str
    value: int | float | None
    unit: str | None
    start: int
    end: int
    source: str = "text"
    key: str | None = None
    approx: bool = False
    implicit: bool = False
    part_of: int | None = None
    section: str | None = None
    # Which period the number counts (CONTRACT.md): year, cumulative, previous_year, change, rate.
    scope: str = "year"
    # The OCR engine's confidence (0–1) in the printed number, for a figure read from a scan.
    ocr_confidence: float | None = None

    def to_json(self, index: int) -> dict:
        return {"id": index, "key": self.key, "label": self.label, "value": self.value, "unit": self.unit,
                "approx": self.approx, "implicit": self.implicit, "source": self.source,
                "start": self.start, "end": self.end, "part_of": self.part_of, "section": self.section,
                "scope": self.scope, "ocr_confidence": self.ocr_confidence}



@dataclass
class Check:
    rule: str
    kind: str
    ok: bool | None
    lhs: float | None
    rhs: float | None
