"""Running the spider in this process, which must be a fresh one: the reactor can start once."""
from __future__ import annotations

import logging
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from pipeline.config import CrawlConfig
from pipeline.crawl.settings import scrapy_settings
from pipeline.crawl.spider import ReportSpider
from pipeline.raw import RawStore
from pipeline.urls import redact

# Loggers that print settings and component lists at every start and a stats dump at the
# end: noise in a weekly cron log, where progress lines and failures matter.
_STARTUP_CHATTER = ("scrapy.crawler", "scrapy.middleware", "scrapy.addons", "scrapy.statscollectors")


def crawl_blocking(config: CrawlConfig, raw_dir: Path, log_level: str, redis_url: str | None = None) -> str | None:
    """Crawl until done or out of budget; return Scrapy's finish reason (None: never ran).

    The caller holds the crawl lock, except with `redis_url`: then other processes may be
    writing to raw/ too (safely: objects appear by rename, log lines by one appending write),
    and their temp files are not stale.
    """
    if redis_url is None:
        RawStore(raw_dir).remove_stale_temp_files()
    settings = Settings(scrapy_settings(config, raw_dir, log_level, redis_url))
    _log_to_stderr(settings)
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


def _log_to_stderr(settings: Settings) -> None:
    """The root handler Scrapy would install (LOG_INSTALL_ROOT_HANDLER is off), redacting."""
    handler = logging.StreamHandler()
    handler.setFormatter(_RedactingFormatter(settings["LOG_FORMAT"], settings["LOG_DATEFORMAT"]))
    handler.setLevel(settings["LOG_LEVEL"])
    logging.root.setLevel(logging.NOTSET)
    logging.root.addHandler(handler)
