"""A deadline per URL across all its tries, on top of Scrapy's per-try DOWNLOAD_TIMEOUT.

DOWNLOAD_TIMEOUT already bounds one try from connecting to the last byte, but the
RetryMiddleware retries a timeout, so a server that trickles a byte a second held one URL
for every try in turn. The time is measured in the download handler, where the transfer
really starts: the politeness delay a request waits in its download slot is not its cost.
"""
from __future__ import annotations

from time import monotonic

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

SPENT = "nianbao_download_seconds"  # meta key; Request.copy() carries it to retries and redirect hops


class DeadlineExceeded(IgnoreRequest):
    """The URL's tries used up its deadline; an IgnoreRequest, so it is not retried again."""


class DeadlineDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, each try given what is left of the URL's deadline."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.per_try = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        self.deadline = crawler.settings["NIANBAO_CONFIG"].settings.deadline

    async def download_request(self, request: Request) -> Response:
        left = self.deadline - request.meta.get(SPENT, 0.0)
        if left <= 0:
            raise DeadlineExceeded(f"{request.url}: no answer within its {self.deadline:g} s deadline")
        request.meta["download_timeout"] = min(self.per_try, left)
        started = monotonic()
        try:
            return await super().download_request(request)
        finally:
            request.meta[SPENT] = request.meta.get(SPENT, 0.0) + monotonic() - started
