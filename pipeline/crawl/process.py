"""Running the spider in this process, which must be a fresh one: the reactor can start once."""
from __future__ import annotations

from pathlib import Path

from scrapy.crawler import CrawlerProcess

from pipeline.config import CrawlConfig
from pipeline.crawl.settings import scrapy_settings
from pipeline.crawl.spider import ReportSpider
from pipeline.raw import RawStore


def crawl_blocking(config: CrawlConfig, raw_dir: Path, log_level: str) -> str | None:
    """Crawl until done or out of budget; return Scrapy's finish reason (None: never ran).

    The caller holds the crawl lock.
    """
    RawStore(raw_dir).remove_stale_temp_files()
    process = CrawlerProcess(scrapy_settings(config, raw_dir, log_level))
    crawler = process.create_crawler(ReportSpider)
    process.crawl(crawler, config=config, raw_dir=str(raw_dir))
    process.start()
    return crawler.stats.get_value("finish_reason")
