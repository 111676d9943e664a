"""Downloader middlewares: the host allow-list and retry backoff."""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


class HostNotAllowed(IgnoreRequest):
    """A request (usually a redirect) leaves the hosts the source allows."""


class AllowedHostsMiddleware:
    """Refuse any request to a host its source does not allow, or over a non-http(s) scheme.

    It sits before robots.txt handling and sees every redirect hop, because a redirected
    request goes through process_request again; so an off-list host is never contacted.
    """

    def __init__(self, hosts_by_source: list[set[str]]) -> None:
        self.hosts_by_source = hosts_by_source
        self.all_hosts = set().union(*hosts_by_source)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedHostsMiddleware:
        sources = crawler.settings["NIANBAO_CONFIG"].sources
        return cls([set(source.allowed_hosts) for source in sources])

    def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        source = request.meta.get("source")
        allowed = self.all_hosts if source is None else self.hosts_by_source[source]
        if parts.scheme in ("http", "https") and (parts.hostname or "") in allowed:
            return
        origin = request.meta.get("redirect_urls", [request.url])[0]
        reason = f"host {parts.hostname!r} is not allowed" if parts.scheme in ("http", "https") \
            else f"scheme {parts.scheme!r} is not allowed"
        logger.warning("Dropped %s (from %s): %s", request.url, origin, reason)
        raise HostNotAllowed(f"{reason}: {request.url}")


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
