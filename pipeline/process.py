"""One document through read → normalize → classify → extract → check. Pure: bytes in,
a result out, so documents can be processed in any order, in parallel, on any engine."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__
from pipeline.checks import check_document
from pipeline.classify import Classification, classify, prints_tables
from pipeline.extract.appendix import extract_appendix_figures
from pipeline.extract.keys import assign_keys, qualify_parts
from pipeline.extract.tables import extract_table_figures
from pipeline.extract.text import extract_text_figures
from pipeline.extract.zeros import implicit_zeros
from pipeline.model import UNREAD_CELL, Check, Document, DocumentError, Figure, RawDocument, SourceDoc
from pipeline.normalize import build_document
from pipeline.read import images, read_bytes
from pipeline.read.layout import NUMBER

_EXTRACTOR_SOURCES = ("read", "extract", "metrics", "normalize.py", "classify.py", "checks.py", "numbers.py",
                      "process.py", "regions.py", "data")


def _extractor_version(root: Path = Path(__file__).parent) -> str:
    """The package version plus a digest of every file under `root` (the package) that shapes
    extraction, so a changed extractor re-extracts the archive on the next run without anyone
    bumping a number."""
    digest = hashlib.sha256()
    for name in _EXTRACTOR_SOURCES:
        path = root / name
        for file in sorted(path.rglob("*") if path.is_dir() else [path]):
            if file.is_file() and file.suffix in (".py", ".yaml", ".csv"):
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(file.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:10]}"


EXTRACTOR_VERSION = _extractor_version()


@dataclass
class Result:
    doc_id: str
    source: SourceDoc
    size: int
    medium: str | None = None
    encoding: str | None = None
    document: Document | None = None
    classification: Classification | None = None
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    error: str | None = None
    # The report's rows of the warehouse's reports, figures and checks, when the process that
    # extracted it made them (store.for_loading) in place of the document, figures and checks.
    rows: dict[str, list[tuple]] | None = None

    @property
    def is_report(self) -> bool:
        return self.classification is not None and self.classification.is_report and self.error is None


def _figures(doc: Document, fmt: str, year: int | None = None) -> list[Figure]:
    # "unknown" is a standard report whose version markers are missing (table 二 given as an
    # image, say): tables 三 and 四 are the same in both versions, so they are still read.
    table = extract_table_figures(doc, fmt) if fmt in ("std2019", "std2021", "unknown") else []
    prose_lines = doc.line_texts()  # paragraphs only: grid rows are not lines
    text = extract_text_figures(prose_lines, year)
    qualify_parts(text)
    if fmt == "narrative":
        text += [f for f in extract_appendix_figures(doc) if not _repeats(f, text)]
    assign_keys(text)
    explicit = {f.key for f in text if f.key}
    zeros = implicit_zeros(prose_lines, explicit)
    for fig in text:
        if fig.part_of is not None:
            fig.part_of += len(table)
    _mark_sections(doc, text + zeros)
    return table + text + zeros


def _repeats(fig: Figure, others: list[Figure]) -> bool:
    """An appendix row restating a figure of the prose (same value, unit and a shared word)."""
    return any(o.value == fig.value and o.unit == fig.unit and o.scope == fig.scope and _shares_bigram(o.label, fig.label) for o in others)


def _shares_bigram(a: str, b: str) -> bool:
    return any(a[i:i + 2] in b for i in range(len(a) - 1))


_SECTION = re.compile(r"^([一二三四五六七八九十]{1,2})、")


def _mark_sections(doc: Document, figures: list[Figure]) -> None:
    """The numbered section (一 … 六) a prose figure stands in, for telling 总体情况 from 其他事项."""
    heads = [(start, m.group(1)) for start, text in doc.line_texts()
             if len(text) <= 40 and (m := _SECTION.match(text))]
    for fig in figures:
        fig.section = next((name for start, name in reversed(heads) if start <= fig.start), None)


def _mark_ocr_confidence(doc: Document, figures: list[Figure]) -> None:
    """Each figure of a scanned page gets the recogniser's confidence in its number: the
    reader gives one per number of each block, in order, and each block is one line here. A
    table cell OCR looked at and could not read gets 0: its figure is unknown."""
    at = _number_confidences(doc)
    for fig in figures:
        unread = fig.value is None and doc.text[fig.start:fig.end] == UNREAD_CELL
        fig.ocr_confidence = 0.0 if unread else next((at[i] for i in range(fig.start, fig.end) if i in at), None)


def _number_confidences(doc: Document) -> dict[int, float]:
    """The recogniser's confidence in each number of the text, by the number's offset."""
    per_block = doc.meta.get("ocr_confidence")
    if not per_block or len(per_block) != len(doc.lines):
        return {}
    at: dict[int, float] = {}
    for (start, end), confidences in zip(doc.lines, per_block):
        found = list(NUMBER.finditer(doc.text, start, end))
        if confidences is not None and len(found) == len(confidences):
            at.update((m.start(), c) for m, c in zip(found, confidences))
    return at


def _tables_are_images(doc: Document, fmt: str, figures: list[Figure]) -> bool:
    """A standard report page that shows pictures where table 三 or 四 should be: the pictures are them."""
    read = {f.key.split(".")[0] for f in figures if f.source == "table" and f.key}
    return (fmt in ("std2019", "std2021", "unknown") and bool(doc.meta.get("images"))
            and not ("requests" in read and "review" in read))


def _require_tables(doc: Document, fmt: str, figures: list[Figure], unread: list[str]) -> None:
    """A standard report whose tables we could not read is an error, never a partial report;
    so is one whose table 三 or 四 is missing where a picture we could not fetch stands."""
    if unread and _tables_are_images(doc, fmt, figures):
        raise DocumentError(f"standard-format report whose tables are images not found beside the page or in "
                            f"the raw store: {', '.join(unread[:3])}")
    if fmt not in ("std2019", "std2021", "unknown") or not (prints_tables(doc) or doc.meta.get("images")):
        return  # a prose-only page of a standard-format year (an excerpt) promises no table
    if any(f.source == "table" for f in figures):
        return
    if fmt == "unknown" and not doc.meta.get("images"):
        return
    if doc.meta.get("images"):
        raise DocumentError("standard-format report whose tables are images, and OCR read no table in them")
    raise DocumentError("standard-format report but no table could be read")


def _analyse(raw: RawDocument, source: SourceDoc, result: Result) -> list[Figure]:
    """Normalize and classify into `result`; a report's figures (none for other documents)."""
    doc = build_document(raw)
    result.medium, result.encoding, result.document = raw.medium, raw.encoding, doc
    info = classify(doc, source.issuer, source.adcode)
    result.classification = info
    return _figures(doc, info.format, info.year) if info.is_report else []


def process_bytes(data: bytes, source: SourceDoc) -> Result:
    result = Result(doc_id=hashlib.sha256(data).hexdigest(), source=source, size=len(data))
    try:
        raw = read_bytes(data, source.path.name, source.content_type)
        figures = _analyse(raw, source, result)
        unread: list[str] = []
        if result.is_report and _tables_are_images(result.document, result.classification.format, figures):
            raw, unread = images.splice(raw, images.fetcher(source))
            figures = _analyse(raw, source, result)
        info = result.classification
        if not info.is_report:
            return result
        _mark_ocr_confidence(result.document, figures)
        _require_tables(result.document, info.format, figures, unread)
        result.figures = figures
        result.checks = check_document(figures, info.format)
    except DocumentError as err:
        result.error = str(err)
    except Exception as err:  # noqa: BLE001 — one odd document must not end a national run
        result.error = f"extractor failed on this document ({type(err).__name__}: {err})"
        result.figures, result.checks = [], []
    return result


def content_address(path: Path) -> str:
    """A document's id: the digest of its bytes, or of its path when the file cannot be read."""
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return hashlib.sha256(str(path).encode()).hexdigest()


def failed_result(source: SourceDoc, reason: str) -> Result:
    """The error row of a document whose bytes were not processed."""
    try:
        size = source.path.stat().st_size
    except OSError:
        size = 0
    return Result(doc_id=source.doc_id or content_address(source.path), source=source, size=size, error=reason)


def process_path(path: Path, source: SourceDoc | None = None) -> Result:
    source = source or SourceDoc(path=path)
    try:
        data = path.read_bytes()
    except OSError as err:
        return failed_result(source, f"cannot read file: {err.strerror or err}")
    return process_bytes(data, source)


def to_contract(result: Result) -> dict:
    """The JSON of `nianbao extract PATH --json` (shared/eval/CONTRACT.md)."""
    info = result.classification
    return {
        "document": {
            "title": info.title if info else None, "issuer": info.issuer if info else None,
            "adcode": info.adcode if info else None, "region": info.region if info else None,
            "year": info.year if info else None, "format": info.format if info else "unknown",
            "script": result.document.script if result.document else None, "encoding": result.encoding,
            "medium": result.medium, "is_report": result.is_report, "doc_id": result.doc_id,
            "extractor_version": EXTRACTOR_VERSION,
        },
        "figures": [f.to_json(i) for i, f in enumerate(result.figures)],
        "checks": [{"rule": c.rule, "kind": c.kind, "ok": c.ok, "lhs": c.lhs, "rhs": c.rhs} for c in result.checks],
    }
