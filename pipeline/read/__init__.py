"""read: bytes → RawDocument. One reader per medium; this module picks by content."""
from __future__ import annotations

from pathlib import Path

from pipeline.model import DocumentError, RawDocument
from pipeline.read import docx, html, pdf, text

MAX_BYTES = 60 * 1024 * 1024


def sniff(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """The medium from magic bytes first: portals mislabel content types and extensions."""
    head = data[:2048].lstrip()
    lower = head.lower()
    suffix = Path(name).suffix.lower()
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
    if len(data) > MAX_BYTES:
        raise DocumentError(f"file too large ({len(data)} bytes > {MAX_BYTES})")
    medium = sniff(data, name, content_type)
    if medium == "pdf":
        return pdf.read(data)
    if medium == "docx":
        return docx.read(data)
    if medium == "image":
        raise DocumentError("image file; reports given as images need OCR, which is not supported")
    if medium == "doc":
        raise DocumentError("legacy Word .doc is not supported (convert to .docx or PDF)")
    if medium == "html":
        return html.read(data, content_type)
    return text.read(data, content_type)


def read_path(path: Path, content_type: str | None = None) -> RawDocument:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DocumentError(f"cannot read file: {err.strerror or err}") from err
    return read_bytes(data, path.name, content_type)
