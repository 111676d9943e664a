"""`nianbao links URL` and `nianbao crawl --dry-run`: what one page yields under the current
link rules (reports, further listing pages, attachments), fetching only that page, as
`scrapy parse` does, so a `link_selector` or `link_pattern` can be tried before a crawl."""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TextIO

from scrapy.http import Headers, TextResponse
from scrapy.responsetypes import responsetypes
from w3lib.http import basic_auth_header

from pipeline.config import CrawlSettings
from pipeline.crawl.links import attachment_links, listing_links
from pipeline.crawl.settings import user_agent
from pipeline.urls import redact, split_userinfo


class PreviewError(Exception):
    """The page could not be fetched or is not a web page; the message names the URL."""


@dataclass(frozen=True)
class LinkRow:
    kind: str  # report | page | next page (tried once) | attachment
    url: str
    title: str = ""


def page_links(url: str, settings: CrawlSettings, selector: str | None, pattern: str | None) -> list[LinkRow]:
    """Every link the crawl would follow from the page at `url`, in the crawl's order."""
    page = fetch_page(url, settings)
    listing = listing_links(page, selector, pattern)
    rows = [LinkRow("report", link, title) for link, title in listing.reports]
    rows += [LinkRow("page", link) for link in listing.pages]
    rows += [LinkRow("next page (tried once)", listing.guess)] if listing.guess else []
    return rows + [LinkRow("attachment", link) for link in attachment_links(page)]


def fetch_page(url: str, settings: CrawlSettings) -> TextResponse:
    """The page as the crawl's user agent gets it, within its timeout and size cap."""
    bare, credentials = split_userinfo(url)
    headers = {"User-Agent": user_agent(settings.user_agent_contact)}
    if credentials:
        headers["Authorization"] = basic_auth_header(*credentials).decode("latin-1")
    try:
        with urllib.request.urlopen(urllib.request.Request(bare, headers=headers), timeout=settings.timeout) as answer:
            body = answer.read(settings.max_bytes + 1)
            final_url, response_headers = answer.geturl(), Headers(dict(answer.headers.items()))
    except urllib.error.HTTPError as exc:
        raise PreviewError(f"{redact(url)}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:  # ValueError: not a URL urllib can open
        raise PreviewError(f"{redact(url)}: cannot fetch: {getattr(exc, 'reason', exc)}") from exc
    if len(body) > settings.max_bytes:
        raise PreviewError(f"{redact(url)}: larger than max_bytes = {settings.max_bytes}")
    response = responsetypes.from_args(headers=response_headers, url=final_url, body=body)(
        url=final_url, body=body, headers=response_headers)
    if not isinstance(response, TextResponse):
        raise PreviewError(f"{redact(url)}: not a web page ({response_headers.get('Content-Type', b'').decode()})")
    return response


def print_rows(rows: list[LinkRow], out: TextIO) -> None:
    """One tab-separated line a link: kind, URL, the title it was chosen by."""
    for row in rows:
        out.write("\t".join((row.kind, row.url, row.title)).rstrip("\t") + "\n")
