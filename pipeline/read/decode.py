"""Bytes → str. Trust a BOM, then a declared charset, then detection; GBK family as GB18030."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from pipeline.model import DocumentError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "windows-936", "hz-gb-2312", "euc-cn"}


def canonical(name: str) -> str | None:
    """GB2312/GBK pages routinely contain characters outside GB2312; GB18030 is the superset."""
    name = name.strip().lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        found = pattern.search(head)
        if found:
            return canonical(found.group(1).decode("ascii", "ignore"))
    return None


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > len(sample) * 0.05


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). Raises DocumentError for bytes that are not text."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    if _looks_binary(data):
        raise DocumentError("binary or corrupt content, not text")
    # Servers and templates often declare ISO-8859-1 for UTF-8 bodies; Chinese text is never Latin-1.
    latin = declared in {"latin-1", "iso8859-1", "cp1252", "ascii"}
    for name in filter(None, ("utf-8" if latin else None, None if latin else declared, "utf-8")):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DocumentError("cannot determine the character encoding")
    encoding = canonical(best.encoding) or best.encoding
    text = data.decode(encoding, errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise DocumentError(f"undecodable text (best guess {encoding})")
    return text, encoding
