"""read: bytes → RawDocument. One reader per medium; this module picks by content."""
from __future__ import annotations

import zlib
from importlib import import_module
from pathlib import Path

from pipeline.limits import FILE_SIZE
from pipeline.model import DocumentError, RawDocument

_GZIP = b"\x1f\x8b"


def sniff(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """The medium from magic bytes first: portals mislabel content types and extensions."""
    head = data[:2048].lstrip()
    lower = head.lower()
    suffix = Path(name).suffix.lower()
    if data.startswith(_GZIP):  # a page saved as the server sent it (Content-Encoding: gzip)
        return "gzip"
    if head.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        return "image"
    if suffix in {".pdf"} or (content_type or "").startswith("application/pdf"):
        return "pdf"
    markers = (b"<html", b"<!doctype", b"<head", b"<body", b"<div", b"<p", b"<table", b"<meta")
    if any(m in lower for m in markers) or suffix in {".html", ".htm", ".shtml", ".jsp", ".asp", ".php"}:
        return "html"
    return "text"


def read_bytes(data: bytes, name: str = "", content_type: str | None = None) -> RawDocument:
    if not data:
        raise DocumentError("empty file")
    limit = FILE_SIZE.value() * 1024 * 1024
    if len(data) > limit:
        raise DocumentError(FILE_SIZE.exceeded(f"file too large ({len(data)} bytes)"))
    medium = sniff(data, name, content_type)
    if medium == "gzip":
        return read_bytes(_gunzip(data, limit), name.removesuffix(".gz"), content_type)
    if medium == "image":
        return import_module("pipeline.read.images").read_image(data)
    # Each reader is imported with the first file of its medium: the PDF and Word libraries
    # take a third of a second to import, which a run of HTML pages never needs.
    reader = import_module(f"pipeline.read.{medium}")
    return reader.read(data, content_type) if medium in ("html", "text") else reader.read(data)


def _gunzip(data: bytes, limit: int) -> bytes:
    """Inflated while counted, never trusting the size the gzip trailer claims."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as err:
        raise DocumentError(f"corrupt or truncated gzip file ({err})") from err
    if len(out) > limit:
        raise DocumentError(FILE_SIZE.exceeded(f"gzip file inflates to more than {FILE_SIZE.value()} MB"))
    if not inflater.eof:
        raise DocumentError("corrupt or truncated gzip file (it ends early)")
    return out


def read_path(path: Path, content_type: str | None = None) -> RawDocument:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DocumentError(f"cannot read file: {err.strerror or err}") from err
    return read_bytes(data, path.name, content_type)
