"""The crawl sources file (TOML), validated up front.

A weekly cron run over hundreds of portals should fail before it fetches anything when
the file has a typo, and the message must point at the line to fix: every error reads
`FILE:LINE: what is wrong`.
"""
from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.urls import redact

DEFAULT_CONTACT = "https://github.com/nianbao/nianbao#readme"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# A --listing run has no file to set a budget in, so an endless pager must not run forever.
LISTING_BUDGET = {"max_pages": 200, "max_seconds": 1800.0}


class ConfigError(Exception):
    """The sources file or crawl options cannot be used; the message says where and why."""


class _FieldError(Exception):
    """One field is wrong; the caller knows where the field sits and adds the location."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Source:
    """One issuer's annual-report column: where to start and which hosts it may touch."""

    name: str
    adcode: str
    listing: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    link_pattern: str | None = None
    link_selector: str | None = None
    delay: float | None = None


@dataclass(frozen=True)
class CrawlSettings:
    """Run-wide politeness and budget; the defaults are what a gov portal tolerates."""

    user_agent_contact: str = DEFAULT_CONTACT
    delay: float = 1.0
    concurrency_per_host: int = 1
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = 0  # 0: no page budget
    max_seconds: float = 0  # 0: no time budget
    timeout: float = 30.0  # one try, connecting to the last byte
    deadline: float = 60.0  # one URL, all its tries together
    retry_backoff: float = 2.0
    recheck_failed_days: float = 30.0


@dataclass(frozen=True)
class CrawlConfig:
    settings: CrawlSettings = field(default_factory=CrawlSettings)
    sources: tuple[Source, ...] = ()


_SOURCE_KEYS = {"name", "adcode", "listing", "link_pattern", "link_selector", "allowed_hosts", "delay"}


def load_sources(path: Path | str) -> CrawlConfig:
    """Read and validate a sources file; any problem raises ConfigError naming FILE:LINE."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error(path, exc)) from exc
    where = _Locator(path, text)
    for key in data.keys() - {"crawl", "source"}:
        raise ConfigError(where.at((), key, f"unknown top-level key {key!r}"))
    crawl_table = data.get("crawl", {})
    try:
        settings = _settings(crawl_table)
    except _FieldError as exc:
        raise ConfigError(where.at(("crawl",), exc.key, str(exc))) from exc
    tables = data.get("source", [])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}:1: no [[source]] tables: add at least one source")
    sources = []
    for index, table in enumerate(tables):
        try:
            sources.append(_source(table))
        except _FieldError as exc:
            raise ConfigError(where.at(("source", index), exc.key, str(exc))) from exc
    return CrawlConfig(settings=settings, sources=tuple(sources))


def single_source_config(listing: str, issuer: str, adcode: str,
                         contact: str = DEFAULT_CONTACT) -> CrawlConfig:
    """A config for one column given on the command line; its host is the only allowed host,
    and it gets LISTING_BUDGET, the same keys a sources file sets under [crawl]."""
    table = {"name": issuer, "adcode": adcode, "listing": [listing]}
    try:
        return CrawlConfig(settings=_settings({"user_agent_contact": contact, **LISTING_BUDGET}),
                           sources=(_source(table),))
    except _FieldError as exc:
        option = {"name": "issuer"}.get(exc.key, exc.key)
        raise ConfigError(f"--{option}: {exc}") from exc


def config_to_json(config: CrawlConfig) -> str:
    """The crawl runs in a child process; the validated config crosses over as JSON."""
    return json.dumps(asdict(config), ensure_ascii=False)


def config_from_json(text: str) -> CrawlConfig:
    data = json.loads(text)
    sources = tuple(
        Source(**{**source, "listing": tuple(source["listing"]), "allowed_hosts": tuple(source["allowed_hosts"])})
        for source in data["sources"]
    )
    return CrawlConfig(settings=CrawlSettings(**data["settings"]), sources=sources)


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib puts the position at the end of its message; move it to the front."""
    match = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
    if not match:
        return f"{path}: invalid TOML: {exc}"
    return f"{path}:{match.group(1)}: invalid TOML: {str(exc)[: match.start()].strip()}"


def _settings(table: Any) -> CrawlSettings:
    if not isinstance(table, dict):
        raise _FieldError("crawl", "[crawl] must be a table")
    known = CrawlSettings.__dataclass_fields__
    for key in table:
        if key not in known:
            raise _FieldError(key, f"unknown [crawl] key {key!r}")
    if "user_agent_contact" not in table:
        raise _FieldError("crawl", "user_agent_contact is required (a URL where site owners can reach you)")
    contact = table["user_agent_contact"]
    _require_http_url("user_agent_contact", contact)
    numbers = {key: _number(key, table[key]) for key in known if key in table and key != "user_agent_contact"}
    settings = CrawlSettings(user_agent_contact=contact, **numbers)
    if not 1 <= settings.concurrency_per_host <= 2:
        raise _FieldError("concurrency_per_host", f"concurrency_per_host must be 1 or 2, got {settings.concurrency_per_host}")
    if settings.max_bytes < 1:
        raise _FieldError("max_bytes", f"max_bytes must be positive, got {settings.max_bytes}")
    for key in ("timeout", "deadline"):
        if getattr(settings, key) <= 0:
            raise _FieldError(key, f"{key} must be positive, got {getattr(settings, key)}")
    return settings


def _number(key: str, value: Any) -> int | float:
    """Reject booleans and negatives; an int-typed setting also rejects fractions."""
    integral = CrawlSettings.__dataclass_fields__[key].type == "int"
    allowed = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed) or not _finite_non_negative(value):
        kind = "a non-negative integer" if integral else "a non-negative number"
        raise _FieldError(key, f"{key} must be {kind}, got {value!r}")
    return value


def _finite_non_negative(value: int | float) -> bool:
    """TOML allows nan and inf; neither is a usable wait, budget or size."""
    return math.isfinite(value) and value >= 0


def _source(table: Any) -> Source:
    if not isinstance(table, dict):
        raise _FieldError("source", "[[source]] must be a table")
    for key in table:
        if key not in _SOURCE_KEYS:
            raise _FieldError(key, f"unknown [[source]] key {key!r}")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _FieldError("name", "name (the issuer) is required")
    adcode = table.get("adcode")
    # ASCII digits only: \d alone also accepts full-width ３５０１２８, which matches no region.
    if not isinstance(adcode, str) or not re.fullmatch(r"[0-9]{6}", adcode):
        raise _FieldError("adcode", f"adcode must be 6 digits, got {adcode!r}")
    listing = _url_list("listing", table.get("listing"))
    hosts = table.get("allowed_hosts", [urlsplit(url).hostname for url in listing])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise _FieldError("allowed_hosts", "allowed_hosts must be a list of host names")
    hosts = [h.lower() for h in hosts]
    for url in listing:
        if urlsplit(url).hostname not in hosts:
            raise _FieldError("allowed_hosts", f"listing host {urlsplit(url).hostname!r} is not in allowed_hosts")
    pattern = _optional_str("link_pattern", table.get("link_pattern"))
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _FieldError("link_pattern", f"link_pattern is not a valid regex: {exc}") from exc
    selector = _optional_str("link_selector", table.get("link_selector"))
    if selector is not None:
        _check_css(selector)
    delay = table.get("delay")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float))
                              or not _finite_non_negative(delay)):
        raise _FieldError("delay", f"delay must be a non-negative number of seconds, got {delay!r}")
    return Source(name=name.strip(), adcode=adcode, listing=tuple(listing), allowed_hosts=tuple(dict.fromkeys(hosts)),
                  link_pattern=pattern, link_selector=selector, delay=delay)


def _url_list(key: str, value: Any) -> list[str]:
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not urls:
        raise _FieldError(key, f"{key} must be a URL or a non-empty list of URLs")
    for url in urls:
        _require_http_url(key, url)
    return urls


def _require_http_url(key: str, url: Any) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise _FieldError(key, f"{key} must be an http(s) URL, got {redact(url) if isinstance(url, str) else url!r}")


def _optional_str(key: str, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _FieldError(key, f"{key} must be a non-empty string")
    return value


def _check_css(selector: str) -> None:
    from cssselect import GenericTranslator, SelectorError  # ships with parsel, which Scrapy uses

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise _FieldError("link_selector", f"link_selector is not valid CSS: {exc}") from exc


class _Locator:
    """Maps a (table, key) back to its line, since tomllib keeps no positions."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines: dict[tuple, int] = {}
        table: tuple = ()
        counts: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if header := self._HEADER.match(line):
                name = header.group(2)
                if header.group(1) == "[[":
                    counts[name] = counts.get(name, -1) + 1
                    table = (name, counts[name])
                else:
                    table = (name,)
                self.lines.setdefault(table, number)
            elif key := self._KEY.match(line):
                self.lines.setdefault((*table, key.group(1)), number)

    def at(self, table: tuple, key: str, message: str) -> str:
        line = self.lines.get((*table, key)) or self.lines.get(table) or 1
        return f"{self.path}:{line}: {message}"
