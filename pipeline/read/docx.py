"""Word .docx attachments through python-docx, paragraphs and tables in body order."""
from __future__ import annotations

import io
import zipfile
import zlib

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipeline.limits import DOCX_UNZIPPED
from pipeline.model import DocumentError, RawDocument, RawTable


def _grid(table: Table) -> RawTable:
    """python-docx repeats a merged cell in each grid slot; the underlying XML element
    identifies it, so merged cells become one origin."""
    rows: list[list[str]] = []
    origins: list[list[int]] = []
    ids: dict[object, int] = {}
    for row in table.rows:
        texts, orow = [], []
        for cell in row.cells:
            key = cell._tc  # the element itself: id() of lxml proxies is reused after they are freed
            ids.setdefault(key, len(ids))
            texts.append(cell.text.replace("\n", "").strip())
            orow.append(ids[key])
        rows.append(texts)
        origins.append(orow)
    return RawTable(rows=rows, origins=origins)


def _body_items(document: DocxDocument):
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            yield Table(child, document)


_CHUNK = 1024 * 1024


def _refuse_bomb(data: bytes) -> None:
    """Members are inflated and counted, never trusting the sizes the zip headers claim."""
    limit = DOCX_UNZIPPED.value() * 1024 * 1024
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                with archive.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise DocumentError(DOCX_UNZIPPED.exceeded(f"Word file unzips to more than {DOCX_UNZIPPED.value()} MB"))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as err:
        raise DocumentError(f"corrupt or unsupported Word file ({type(err).__name__})") from err


def read(data: bytes) -> RawDocument:
    _refuse_bomb(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # zipfile/lxml/KeyError on damaged or non-Word zips
        raise DocumentError(f"corrupt or unsupported Word file ({type(err).__name__})") from err
    blocks: list = []
    for item in _body_items(document):
        if isinstance(item, Table):
            blocks.append(_grid(item))
        elif item.text.strip():
            blocks.append(item.text.strip())
    if not blocks:
        raise DocumentError("Word file has no text")
    title = document.core_properties.title or None
    return RawDocument(blocks=blocks, medium="docx", title=title)
