"""Running the spider in this process, which must be a fresh one: the reactor can start once."""
from __future__ import annotations

import logging
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from pipeline.config import CrawlConfig
from pipeline.crawl.settings import scrapy_settings
from pipeline.crawl.spider import ReportSpider
from pipeline.raw import RawStore

# Loggers that print settings and component lists at every start and a stats dump at the
# end: noise in a weekly cron log, where progress lines and failures matter.
_STARTUP_CHATTER = ("scrapy.crawler", "scrapy.middleware", "scrapy.addons", "scrapy.statscollectors")


def crawl_blocking(config: CrawlConfig, raw_dir: Path, log_level: str) -> str | None:
    """Crawl until done or out of budget; return Scrapy's finish reason (None: never ran).

    The caller holds the crawl lock.
    """
    RawStore(raw_dir).remove_stale_temp_files()
    process = CrawlerProcess(scrapy_settings(config, raw_dir, log_level))
    for name in _STARTUP_CHATTER:  # after CrawlerProcess, whose logging setup resets levels
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(log_level)))
    crawler = process.create_crawler(ReportSpider)
    process.crawl(crawler, config=config, raw_dir=str(raw_dir))
    process.start()
    return crawler.stats.get_value("finish_reason")
