"""Downloader middlewares: the host allow-list, retry backoff, and decompression named as such."""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from pipeline.config import Source
from pipeline.urls import redact

logger = logging.getLogger(__name__)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class HostNotAllowed(IgnoreRequest):
    """A request (usually a redirect) leaves the hosts the source allows."""


class AllowedHostsMiddleware:
    """Refuse any request to a host its source does not allow, over a non-http(s) scheme, or
    with a user:password@ in its URL.

    It sits before robots.txt handling and sees every redirect hop, because a redirected
    request goes through process_request again; so an off-list host is never contacted.
    """

    def __init__(self, origins_by_source: list[set[tuple[str, str, int]]]) -> None:
        self.origins_by_source = origins_by_source
        self.all_origins = set().union(*origins_by_source)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedHostsMiddleware:
        sources = crawler.settings["NIANBAO_CONFIG"].sources
        return cls([allowed_origins(source) for source in sources])

    def process_request(self, request: Request) -> None:
        source = request.meta.get("source")
        reason = _refusal(request.url, self.all_origins if source is None else self.origins_by_source[source])
        if reason is None:
            return
        url = redact(request.url)
        origin = request.meta.get("redirect_urls", [request.url])[0]
        logger.warning("Dropped %s (from %s): %s", url, origin, reason)
        raise HostNotAllowed(f"{reason}: {url}")


def _refusal(url: str, allowed: set[tuple[str, str, int]]) -> str | None:
    """Why the URL may not be requested, or None if it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r} is not allowed"
    if parts.username is not None:  # the spider strips its own: this came from a server's redirect
        return "credentials in a redirect target are not used"
    if origin_of(url) not in allowed:
        return f"host {parts.netloc!r} is not allowed"
    return None


def allowed_origins(source: Source) -> set[tuple[str, str, int]]:
    """(scheme, host, port) the source may contact: its listing URLs' origins, and each
    allowed host on the standard http and https ports (portals often move to https)."""
    named = {(scheme, host, _DEFAULT_PORTS[scheme]) for host in source.allowed_hosts for scheme in _DEFAULT_PORTS}
    return named | {origin_of(url) for url in source.listing}


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port), the default port filled in."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a malformed port matches no origin
        port = -1
    return parts.scheme, (parts.hostname or ""), port or _DEFAULT_PORTS.get(parts.scheme, -1)


class BackoffMiddleware:
    """Wait longer before each retry of the same request, so a struggling server can recover.

    Scrapy's RetryMiddleware re-queues at once; the wait happens here, before the retried
    request takes a download slot, so other hosts keep being crawled meanwhile.
    """

    def __init__(self, base: float) -> None:
        self.base = base

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        return cls(crawler.settings["NIANBAO_CONFIG"].settings.retry_backoff)

    async def process_request(self, request: Request) -> None:
        retries = request.meta.get("retry_times", 0)
        if retries and self.base:
            await asyncio.sleep(self.base * 2 ** (retries - 1))


class DecompressionLimit(IgnoreRequest):
    """A Content-Encoding body inflates past DOWNLOAD_MAXSIZE (a gzip bomb, or just too big)."""


class DecompressionLimitMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, whose size cap raises a bare IgnoreRequest, the same exception
    as a robots.txt refusal; it is raised here as DecompressionLimit, so the failure is named."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # the size cap is the only IgnoreRequest it raises
            encoding = response.headers.get("Content-Encoding", b"").decode("latin-1")
            raise DecompressionLimit(f"Content-Encoding: {encoding}") from exc
