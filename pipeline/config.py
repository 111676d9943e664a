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
from typing import Any, Callable
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


class _Problems(list):
    """The mistakes found in one table, each a _FieldError; checking goes on after each."""

    def check(self, validate: Callable[..., Any], *args: Any) -> Any:
        """validate(*args), or None with its _FieldError kept."""
        try:
            return validate(*args)
        except _FieldError as exc:
            self.append(exc)
            return None


def load_sources(path: Path | str) -> CrawlConfig:
    """Read and validate a whole sources file; every mistake in it is one `FILE:LINE: …` line
    of the ConfigError raised."""
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
    found: list[tuple[int, str]] = [where.at((), key, f"unknown top-level key {key!r}")
                                    for key in sorted(data.keys() - {"crawl", "source"})]
    problems = _Problems()
    settings = _settings(data.get("crawl", {}), problems)
    found += [where.at(("crawl",), exc.key, str(exc)) for exc in problems]
    tables = data.get("source", [])
    if not isinstance(tables, list) or not tables:
        found.append((1, f"{path}:1: no [[source]] tables: add at least one source"))
        tables = []
    sources = []
    for index, table in enumerate(tables):
        problems = _Problems()
        sources.append(_source(table, problems))
        found += [where.at(("source", index), exc.key, str(exc)) for exc in problems]
    if found:
        raise ConfigError("\n".join(message for _, message in sorted(found, key=lambda item: item[0])))
    return CrawlConfig(settings=settings, sources=tuple(sources))


def single_source_config(listing: str, issuer: str, adcode: str,
                         contact: str = DEFAULT_CONTACT) -> CrawlConfig:
    """A config for one column given on the command line; its host is the only allowed host,
    and it gets LISTING_BUDGET, the same keys a sources file sets under [crawl]."""
    problems = _Problems()
    settings = _settings({"user_agent_contact": contact, **LISTING_BUDGET}, problems)
    source = _source({"name": issuer, "adcode": adcode, "listing": [listing]}, problems)
    if problems:
        raise ConfigError("\n".join(f"--{_OPTIONS.get(exc.key, exc.key)}: {exc}" for exc in problems))
    return CrawlConfig(settings=settings, sources=(source,))


def check_link_rules(selector: str | None, pattern: str | None) -> None:
    """A link_selector and link_pattern given on the command line; ConfigError names each mistake."""
    problems = _Problems()
    problems.check(_selector, selector)
    problems.check(_pattern, pattern)
    if problems:
        raise ConfigError("\n".join(f"--{exc.key.replace('_', '-')}: {exc}" for exc in problems))


_OPTIONS = {"name": "issuer", "user_agent_contact": "contact"}  # option names of single_source_config's fields


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


def _settings(table: Any, problems: _Problems) -> CrawlSettings:
    if not isinstance(table, dict):
        problems.append(_FieldError("crawl", "[crawl] must be a table"))
        return CrawlSettings()
    known = CrawlSettings.__dataclass_fields__
    problems += [_FieldError(key, f"unknown [crawl] key {key!r}") for key in table if key not in known]
    values: dict[str, Any] = {}
    if "user_agent_contact" not in table:
        problems.append(_FieldError("crawl", "user_agent_contact is required (a URL or a mailbox where site owners "
                                             "can reach you)"))
    else:
        values["user_agent_contact"] = problems.check(_contact, table["user_agent_contact"])
    for key in sorted(known.keys() & table.keys() - {"user_agent_contact"}):
        values[key] = problems.check(_number, key, table[key])
        if values[key] is not None and key in _RANGES and not _RANGES[key][0](values[key]):
            problems.append(_FieldError(key, f"{key} {_RANGES[key][1]}, got {values[key]}"))
    return CrawlSettings(**{key: value for key, value in values.items() if value is not None})


# Settings with a narrower range than "a non-negative number": (test, what the message says).
_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "concurrency_per_host": (lambda value: 1 <= value <= 2, "must be 1 or 2"),
    "max_bytes": (lambda value: value >= 1, "must be positive"),
    "timeout": (lambda value: value > 0, "must be positive"),
    "deadline": (lambda value: value > 0, "must be positive"),
}
# A mailbox as the contact (ops@example.org, or mailto:ops@example.org): one @, a dot in the domain, no spaces.
_MAILBOX = re.compile(r"(?:mailto:)?[^@\s:/]+@[^@\s/]+\.[^@\s/]+")


def _contact(value: Any) -> str:
    """A URL where site owners can reach the crawl's operator, or a mailbox (sent as mailto:)."""
    if isinstance(value, str) and _MAILBOX.fullmatch(value.strip()):
        address = value.strip().removeprefix("mailto:")
        return f"mailto:{address}"
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        shown = redact(value) if isinstance(value, str) else value
        raise _FieldError("user_agent_contact", f"user_agent_contact must be an http(s) URL or a mailbox, got {shown!r}")
    return value


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


def _source(table: Any, problems: _Problems) -> Source | None:
    """The source a [[source]] table describes, or None when `problems` got its mistakes."""
    if not isinstance(table, dict):
        problems.append(_FieldError("source", "[[source]] must be a table"))
        return None
    before = len(problems)
    problems += [_FieldError(key, f"unknown [[source]] key {key!r}") for key in table if key not in _SOURCE_KEYS]
    name = problems.check(_name, table.get("name"))
    adcode = problems.check(_adcode, table.get("adcode"))
    listing = problems.check(_url_list, "listing", table.get("listing")) or []
    hosts = problems.check(_hosts, table.get("allowed_hosts", [urlsplit(url).hostname for url in listing]), listing)
    pattern = problems.check(_pattern, table.get("link_pattern"))
    selector = problems.check(_selector, table.get("link_selector"))
    delay = problems.check(_delay, table.get("delay"))
    if len(problems) > before:
        return None
    return Source(name=name, adcode=adcode, listing=tuple(listing), allowed_hosts=hosts,
                  link_pattern=pattern, link_selector=selector, delay=delay)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _FieldError("name", "name (the issuer) is required")
    return value.strip()


def _adcode(value: Any) -> str:
    # ASCII digits only: \d alone also accepts full-width ３５０１２８, which matches no region.
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value):
        raise _FieldError("adcode", f"adcode must be 6 digits, got {value!r}")
    from pipeline.regions import get_region

    if get_region(value) is None:
        raise _FieldError("adcode", f"adcode {value} is no region in the regions table (pipeline/data/regions.csv)")
    return value


def _hosts(value: Any, listing: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(h, str) and h for h in value):
        raise _FieldError("allowed_hosts", "allowed_hosts must be a list of host names")
    hosts = tuple(dict.fromkeys(h.lower() for h in value))
    for url in listing:
        if urlsplit(url).hostname not in hosts:
            raise _FieldError("allowed_hosts", f"listing host {urlsplit(url).hostname!r} is not in allowed_hosts")
    return hosts


def _pattern(value: Any) -> str | None:
    pattern = _optional_str("link_pattern", value)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _FieldError("link_pattern", f"link_pattern is not a valid regex: {exc}") from exc
    return pattern


def _selector(value: Any) -> str | None:
    selector = _optional_str("link_selector", value)
    if selector is not None:
        _check_css(selector)
    return selector


def _delay(value: Any) -> float | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not _finite_non_negative(value)):
        raise _FieldError("delay", f"delay must be a non-negative number of seconds, got {value!r}")
    return value


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

    def at(self, table: tuple, key: str, message: str) -> tuple[int, str]:
        """(line, `FILE:LINE: message`) of the key, or of its table when the key is missing."""
        line = self.lines.get((*table, key)) or self.lines.get(table) or 1
        return line, f"{self.path}:{line}: {message}"
