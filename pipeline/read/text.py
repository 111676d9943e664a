"""Plain-text documents (saved page text, OCR output, the user's own seed file)."""
from __future__ import annotations

from pipeline.model import RawDocument
from pipeline.read.boilerplate import is_boilerplate
from pipeline.read.decode import decode, http_charset


def read(data: bytes, content_type: str | None = None) -> RawDocument:
    text, encoding = decode(data, http_charset(content_type))
    lines = [line.strip() for line in text.splitlines()]
    blocks: list = [line for line in lines if line and not is_boilerplate(line)]
    return RawDocument(blocks=blocks, medium="text", encoding=encoding)
