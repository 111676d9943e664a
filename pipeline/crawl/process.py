"""Running the spider in this process, which must be a fresh one: the reactor can start once."""
from __future__ import annotations

import logging
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DownloadFailedError, DownloadTimeoutError, ResponseDataLossError
from scrapy.settings import Settings
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from pipeline.config import CrawlConfig
from pipeline.crawl.settings import scrapy_settings
from pipeline.crawl.spider import UNREACHABLE, ReportSpider
from pipeline.raw import RawStore
from pipeline.urls import redact

# Failures of the network, not of the code: a line is enough.
_NETWORK = (DownloadTimeoutError, TwistedTimeoutError, ResponseDataLossError, DownloadFailedError)
# Loggers that print settings and component lists at every start and a stats dump at the
# end: noise in a weekly cron log, where progress lines and failures matter.
_STARTUP_CHATTER = ("scrapy.crawler", "scrapy.middleware", "scrapy.addons", "scrapy.statscollectors")


def crawl_blocking(config: CrawlConfig, raw_dir: Path, log_level: str, log_file: str | None = None,
                   redis_url: str | None = None) -> str | None:
    """Crawl until done or out of budget; return Scrapy's finish reason (None: never ran).

    The caller holds the crawl lock, except with `redis_url`: then other processes may be
    writing to raw/ too (safely: objects appear by rename, log lines by one appending write),
    and their temp files are not stale.
    """
    if redis_url is None:
        RawStore(raw_dir).remove_stale_temp_files()
    settings = Settings(scrapy_settings(config, raw_dir, log_level, log_file, redis_url))
    _install_log_handler(settings)
    process = CrawlerProcess(settings)
    for name in _STARTUP_CHATTER:  # after CrawlerProcess, whose logging setup resets levels
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(log_level)))
    crawler = process.create_crawler(ReportSpider)
    process.crawl(crawler, config=config, raw_dir=str(raw_dir))
    process.start()
    return crawler.stats.get_value("finish_reason")


class _RedactingFormatter(logging.Formatter):
    """Scrapy's log lines with URL passwords masked: it prints requests, redirect targets and
    exceptions that may carry a user:password@ the spider never stored."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _NoNetworkTracebacks(logging.Filter):
    """Scrapy's own reports of network failures (robots.txt's "Error downloading" comes with a
    30-line traceback): a host that cannot be reached is dropped, since the spider says it in
    one line per host; a timeout or a cut-off answer keeps its line without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, UNREACHABLE):
            return False
        if isinstance(error, _NETWORK):
            record.exc_info, record.exc_text = None, None
        return True


def _install_log_handler(settings: Settings) -> None:
    """The root handler Scrapy would install (LOG_INSTALL_ROOT_HANDLER is off): to LOG_FILE
    (appended to, as LOG_FILE_APPEND says) or stderr, URL passwords masked."""
    log_file = settings.get("LOG_FILE")
    mode = "a" if settings.getbool("LOG_FILE_APPEND") else "w"
    handler = logging.FileHandler(log_file, mode, encoding="utf-8") if log_file else logging.StreamHandler()
    handler.setFormatter(_RedactingFormatter(settings["LOG_FORMAT"], settings["LOG_DATEFORMAT"]))
    handler.addFilter(_NoNetworkTracebacks())
    handler.setLevel(settings["LOG_LEVEL"])
    logging.root.setLevel(logging.NOTSET)
    logging.root.addHandler(handler)
