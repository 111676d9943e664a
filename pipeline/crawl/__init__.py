"""The crawl stage: source listings → report pages and attachments in raw/.

Importing this package does not import Scrapy; the crawl itself runs in a child process.
"""
from pipeline.config import CrawlConfig, single_source_config
from pipeline.crawl.lock import CrawlError, CrawlLocked, CrawlUnusable
from pipeline.crawl.run import CrawlStats, run_crawl

__all__ = ["CrawlConfig", "CrawlError", "CrawlLocked", "CrawlStats", "CrawlUnusable", "run_crawl", "single_source_config"]
