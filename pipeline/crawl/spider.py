"""The spider: listing pages → report pages → attachments, never fetching a stored body twice.

What is already in raw/ steers each run. Listing pages are re-checked with conditional
GET; on 304 the stored copy is parsed instead, so links a killed run never reached are
still found. Report pages with a stored body are not requested again, but their stored
copy is parsed for attachments for the same reason.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import Request
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadTimeoutError, IgnoreRequest)
from scrapy.http import Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure
from w3lib.http import basic_auth_header

from pipeline.config import CrawlConfig, CrawlSettings
from pipeline.crawl.deadline import DeadlineExceeded
from pipeline.crawl.links import attachment_links, listing_links
from pipeline.crawl.middlewares import DecompressionLimit, HostNotAllowed, origin_of
from pipeline.crawl.storage import Fetched
from pipeline.raw import FetchRecord, RawStore, utc_now
from pipeline.urls import redact, split_userinfo

# Outcomes not worth retrying every run; they are checked again after a cool-down.
_PERMANENT_STATUSES = {404, 410}
_PERMANENT_ERRORS = {"too_large", "host", "robots"}
# A host that cannot be reached at all: every page of it fails alike, so it is said once.
UNREACHABLE = (CannotResolveHostError, DownloadConnectionRefusedError, twisted_errors.DNSLookupError,
               twisted_errors.ConnectionRefusedError)
GUESS = "nianbao_guessed_page"  # meta key: a listing page tried by convention, not linked


class ReportSpider(scrapy.Spider):
    name = "nianbao"

    def __init__(self, config: CrawlConfig, raw_dir: str | Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.store = RawStore(raw_dir)
        self.stored = self.store.latest_stored()
        self.resting = resting_urls(self.store.latest_by_url().values(), config.settings.recheck_failed_days)
        self.auth: dict[tuple[str, str, int], bytes] = {}  # Basic auth by origin, from URLs' user:password@
        self.unreachable: set[str] = set()  # hosts already reported as unreachable

    async def start(self):
        for index, source in enumerate(self.config.sources):
            for url in source.listing:
                yield self._listing_request(url, index, referrer=None)

    # A page's links are yielded before its own row: once the row is stored the page is done,
    # so a crawler killed in between (with a shared frontier) must already have queued them.
    def on_listing(self, response: Response) -> Iterator[Any]:
        page = self._replay(_origin(response.request), response.meta) if response.status == 304 else response
        if isinstance(page, TextResponse):
            yield from self._follow_listing(page)
        yield self._fetched(response, body=None if response.status == 304 else response.body)

    def on_document(self, response: Response) -> Iterator[Any]:
        if response.meta["kind"] == "report" and isinstance(response, TextResponse):
            yield from self._follow_report(response)
        yield self._fetched(response, body=response.body)

    def on_failure(self, failure: Failure) -> Iterator[Fetched]:
        request = failure.request
        status, error = describe_failure(failure, self.config.settings)
        if request.meta.get(GUESS) and status in _PERMANENT_STATUSES:
            self.logger.info("No further page %s (HTTP %s): the listing ends at %s", request.url, status,
                             request.meta["referrer"])
            return
        error = redact(error)  # a network error's text may quote a URL the spider did not build
        self._log_failure(failure, error)
        yield Fetched(self._record(request, status=status, error=error))

    def _log_failure(self, failure: Failure, error: str) -> None:
        """One line per failed page, but one per host that cannot be reached at all."""
        url = _origin(failure.request)
        if not failure.check(*UNREACHABLE):
            self.logger.warning("Not stored %s: %s", url, error)
            return
        host = urlsplit(url).netloc
        if host in self.unreachable:
            self.logger.debug("Not stored %s: %s", url, error)
            return
        self.unreachable.add(host)
        self.logger.error("Host %s cannot be reached (%s): none of its pages is fetched", host,
                          error.split(": ", 2)[-1])

    def _follow_listing(self, page: TextResponse) -> Iterator[Request]:
        index = page.meta["source"]
        source = self.config.sources[index]
        listing = listing_links(page, source.link_selector, source.link_pattern)
        for url in listing.pages:
            yield self._listing_request(url, index, referrer=page.url)
        if listing.guess:
            self.logger.debug("Trying %s: %s is a full page without a pager", listing.guess, page.url)
            yield self._listing_request(listing.guess, index, referrer=page.url, guess=True)
        for url, _ in listing.reports:
            yield from self._document(url, "report", index, referrer=page.url)

    def _follow_report(self, page: TextResponse) -> Iterator[Request]:
        for url in attachment_links(page):
            yield from self._document(url, "attachment", page.meta["source"], referrer=page.url)

    def _document(self, url: str, kind: str, index: int, referrer: str) -> Iterator[Request]:
        url = self._without_password(url)
        if url in self.stored:
            page = self._replay(url, self._meta(index, kind, referrer)) if kind == "report" else None
            if isinstance(page, TextResponse):
                yield from self._follow_report(page)
            return
        if url in self.resting:
            self.logger.debug("Not retrying %s yet: %s", url, self.resting[url])
            return
        yield self._request(url, self.on_document, self._meta(index, kind, referrer))

    def _listing_request(self, url: str, index: int, referrer: str | None, guess: bool = False) -> Request:
        """A GET made conditional by the validators of the stored copy, if there is one. A
        `guess` (a conventional next page) that is not there is no failure."""
        meta = self._meta(index, "listing", referrer) | {"handle_httpstatus_list": [304], GUESS: guess}
        request = self._request(self._without_password(url), self.on_listing, meta)
        previous = self.stored.get(request.url)  # request.url: the escaped form the log keeps
        if previous and self.store.object_path(previous.sha256).exists():
            if previous.etag:
                request.headers["If-None-Match"] = previous.etag
            if previous.last_modified:
                request.headers["If-Modified-Since"] = previous.last_modified
        return request

    def _without_password(self, url: str) -> str:
        """The URL without `user:password@`, the credentials kept as Basic auth for its origin.
        So no URL the crawl requests, logs, stores or looks up carries a password (Twisted
        refuses userinfo in a URL anyway)."""
        url, credentials = split_userinfo(url)
        if credentials:
            self.auth.setdefault(origin_of(url), basic_auth_header(*credentials))
        return url

    def _request(self, url: str, callback: Any, meta: dict[str, Any]) -> Request:
        """A request, with Basic auth if its origin has credentials (Scrapy drops the header
        on a redirect to another host)."""
        auth = self.auth.get(origin_of(url))
        return Request(url, callback=callback, errback=self.on_failure, meta=meta,
                       headers={"Authorization": auth} if auth else None)

    def _meta(self, index: int, kind: str, referrer: str | None) -> dict[str, Any]:
        """Everything a callback needs travels in meta, so stored copies can be replayed."""
        meta: dict[str, Any] = {"source": index, "kind": kind, "referrer": referrer}
        if self.config.sources[index].delay is not None:
            meta["autothrottle_dont_adjust_delay"] = True  # the source's own delay is a promise
        return meta

    def _replay(self, url: str, meta: dict[str, Any]) -> Response | None:
        """The stored body of `url` as a response, for link extraction without a request."""
        record = self.stored.get(url)
        body = self.store.read(record.sha256) if record else None
        if body is None:
            return None
        headers = {"Content-Type": record.content_type} if record.content_type else {}
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, body=body, headers=headers, request=Request(url, meta=meta))

    def _fetched(self, response: Response, body: bytes | None) -> Fetched:
        record = self._record(response.request, status=response.status, etag=_header(response, "ETag"),
                              last_modified=_header(response, "Last-Modified"),
                              content_type=_header(response, "Content-Type"))
        return Fetched(record, body)

    def _record(self, request: Request, **fields: Any) -> FetchRecord:
        source = self.config.sources[request.meta["source"]]
        return FetchRecord(url=_origin(request), kind=request.meta["kind"], fetched_at=utc_now(),
                           referrer=request.meta.get("referrer"), issuer=source.name, adcode=source.adcode,
                           **fields)


def describe_failure(failure: Failure, limits: CrawlSettings) -> tuple[int | None, str]:
    """(HTTP status, 'code: detail'); the code decides whether the next run retries."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return status, f"http: HTTP {status}"
    if failure.check(HostNotAllowed):
        return None, f"host: {failure.value}"
    if failure.check(DeadlineExceeded, DownloadTimeoutError, twisted_errors.TimeoutError):
        return None, (f"timeout: {_origin(failure.request)} sent no complete answer within {limits.timeout:g} s a try "
                      f"and {limits.deadline:g} s for all tries; raise timeout or deadline under [crawl] in a sources file")
    if failure.check(DecompressionLimit):
        return None, (f"too_large: {_origin(failure.request)} inflates past the decompression limit max_bytes = "
                      f"{limits.max_bytes} ({failure.value}); raise max_bytes under [crawl] in a sources file")
    if failure.check(IgnoreRequest):
        return None, "robots: forbidden by robots.txt"
    if failure.check(DownloadCancelledError):
        return None, f"too_large: {failure.value}"
    return None, f"network: {failure.type.__name__}: {failure.value}"


def resting_urls(latest: Iterable[FetchRecord], days: float) -> dict[str, str]:
    """URLs whose last outcome was permanent and recent: re-asking each week would only
    repeat a 404 or re-download an oversized file."""
    since = datetime.now(timezone.utc) - timedelta(days=days)
    return {
        record.url: record.error
        for record in latest
        if record.sha256 is None
        and (record.status in _PERMANENT_STATUSES or record.error_code in _PERMANENT_ERRORS)
        and datetime.fromisoformat(record.fetched_at) > since
    }


def _header(response: Response, name: str) -> str | None:
    return response.headers.get(name, b"").decode("latin-1") or None


def _origin(request: Request) -> str:
    """The URL as linked, before redirects: the key the next run looks up."""
    return request.meta.get("redirect_urls", [request.url])[0]
