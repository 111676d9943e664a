"""Listing pagers drawn by a script: the static pages the page's own settings imply, and the
conventional next page of a full listing page that shows no pager at all.

The known settings are data (pipeline/data/pagers.yaml); docs/crawling.md lists them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from pipeline.metrics import load_data

PAGERS_FILE = Path(__file__).resolve().parents[1] / "data" / "pagers.yaml"
# A listing page's own file name, index.html or index_2.shtml: the prefix, the page number
# (none on the first page) and the extension its siblings share.
_PAGE_NAME = re.compile(r"^([\w-]+?)(?:_(\d+))?\.(s?html?)$", re.IGNORECASE)
_EXTENSION = re.compile(r"s?html?", re.IGNORECASE)  # what a static listing page ends in
_PREFIX = re.compile(r"[\w-]+")  # a file-name prefix argument, "index"
_COUNT = re.compile(r"\d+|[A-Za-z_$][\w$]*")  # a page-count argument: a number or a variable name


@dataclass(frozen=True)
class _Rules:
    pages: tuple[re.Pattern[str], ...]
    records: tuple[re.Pattern[str], ...]
    page_size: tuple[re.Pattern[str], ...]
    max_static_index: tuple[re.Pattern[str], ...]
    calls: tuple[re.Pattern[str], ...]
    full_page_sizes: frozenset[int]
    max_pages: int


@cache
def _rules() -> _Rules:
    data = load_data(PAGERS_FILE)
    patterns = {key: tuple(re.compile(p) for p in data[key])
                for key in ("pages", "records", "page_size", "max_static_index", "calls")}
    return _Rules(**patterns, full_page_sizes=frozenset(data["full_page_sizes"]), max_pages=data["max_pages"])


def script_pages(text: str, url: str) -> list[str]:
    """The static pages PREFIX_1.EXT … a script-drawn pager's settings imply, the page itself excluded."""
    rules = _rules()
    call = _call(text, rules)
    prefix, ext = (call[1], call[2]) if call else _name_parts(url)
    count = _page_count(text, rules, call[0] if call else None)
    if count is None or prefix is None:
        return []
    pages = [urljoin(url, f"{prefix}_{n}.{ext}") for n in range(1, min(count, rules.max_pages))]
    return [page for page in pages if page != url]


def next_page(url: str) -> str | None:
    """The CMS's conventional next page: index.html → index_1.html, index_1.html → index_2.html."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    match = _PAGE_NAME.fullmatch(name) if name else None
    if name and not match:
        return None
    prefix, number, ext = match.groups() if match else ("index", None, "html")
    return urljoin(url, f"{prefix}_{int(number or 0) + 1}.{ext}")


def is_full_page(reports: int, text: str) -> bool:
    """As many reports as one page of the listing holds: its page-size setting, or a usual size."""
    rules = _rules()
    size = _setting(text, rules.page_size)
    return reports == size if size else reports in rules.full_page_sizes


def _page_count(text: str, rules: _Rules, from_call: str | None) -> int | None:
    """Pages of the listing: written out, or records / page size, capped by the last static page."""
    count = _value(text, from_call) if from_call else None
    count = count or _setting(text, rules.pages)
    records, size = _setting(text, rules.records), _setting(text, rules.page_size)
    if count is None and records is not None and size:
        count = math.ceil(records / size)
    static = _setting(text, rules.max_static_index)
    if static is not None:
        count = min(count, static + 1) if count is not None else static + 1
    return count


def _call(text: str, rules: _Rules) -> tuple[str, str, str] | None:
    """(count argument, prefix, extension) of the first pager call: a window of four arguments
    (count, current, prefix, ext), wherever a container id or a record count stands around it."""
    for pattern in rules.calls:
        for call in pattern.finditer(text):
            args = [arg.strip().strip("'\"") for arg in call.group(1).split(",")]
            for count, _, prefix, ext in zip(args, args[1:], args[2:], args[3:]):
                if _EXTENSION.fullmatch(ext) and _PREFIX.fullmatch(prefix) and _COUNT.fullmatch(count):
                    return count, prefix, ext
    return None


def _value(text: str, argument: str) -> int | None:
    """A count written out, or the number assigned to the variable that holds it."""
    if argument.isdigit():
        return int(argument)
    # the variable's assignment: countPage = 5, or countPage = "5"
    found = re.search(rf"\b{re.escape(argument)}\s*=\s*['\"]?(\d+)", text)
    return int(found.group(1)) if found else None


def _setting(text: str, patterns: tuple[re.Pattern[str], ...]) -> int | None:
    for pattern in patterns:
        if found := pattern.search(text):
            return int(found.group(1))
    return None


def _name_parts(url: str) -> tuple[str | None, str]:
    """The prefix and extension the page's siblings share: index.html → (index, html); a folder
    URL is its index.html."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if not name:
        return "index", "html"
    match = _PAGE_NAME.fullmatch(name)
    return (match.group(1), match.group(3)) if match else (None, "")
