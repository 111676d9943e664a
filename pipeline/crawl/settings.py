"""Scrapy settings derived from the crawl config: politeness, safety and budget in one place."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import CrawlConfig

_MIDDLEWARES = "pipeline.crawl.middlewares"
_SHARED = "pipeline.crawl.shared"


def user_agent(contact: str) -> str:
    return f"nianbao/{__version__} (+{contact})"


def scrapy_settings(config: CrawlConfig, raw_dir: Path, log_level: str = "INFO",
                    log_file: str | None = None, redis_url: str | None = None) -> dict[str, Any]:
    """The crawl's settings; with `redis_url`, the frontier shared through Redis (crawl/shared.py)."""
    settings = _local_settings(config, raw_dir, log_level, log_file)
    if redis_url:
        from pipeline.crawl.shared import redis_settings

        delays = {host: delay for host, slot in settings["DOWNLOAD_SLOTS"].items() if (delay := slot["delay"]) is not None}
        settings |= redis_settings(redis_url, delays)
        settings["DOWNLOADER_MIDDLEWARES"] |= {f"{_SHARED}.HostLockMiddleware": 950}  # last: just before the download
        settings["ITEM_PIPELINES"] |= {f"{_SHARED}.InFlightDone": 200}  # after the row is stored
    return settings


def _local_settings(config: CrawlConfig, raw_dir: Path, log_level: str, log_file: str | None) -> dict[str, Any]:
    crawl = config.settings
    return {
        "NIANBAO_CONFIG": config,
        "NIANBAO_RAW_DIR": str(raw_dir),
        "USER_AGENT": user_agent(crawl.user_agent_contact),
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": crawl.delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_host,
        "DOWNLOAD_SLOTS": {
            host: {"delay": source.delay, "concurrency": crawl.concurrency_per_host}
            for source in config.sources if source.delay is not None
            for host in source.allowed_hosts
        },
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": crawl.delay,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, crawl.delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrency_per_host),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "DOWNLOAD_TIMEOUT": crawl.timeout,  # one try; crawl.deadline bounds all tries of a URL
        "DOWNLOAD_HANDLERS": {scheme: "pipeline.crawl.deadline.DeadlineDownloadHandler" for scheme in ("http", "https")},
        "DOWNLOAD_MAXSIZE": crawl.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "CLOSESPIDER_PAGECOUNT": crawl.max_pages,
        "CLOSESPIDER_TIMEOUT": crawl.max_seconds,
        "DOWNLOADER_MIDDLEWARES": {
            f"{_MIDDLEWARES}.AllowedHostsMiddleware": 50,  # before robots.txt: never touch other hosts
            f"{_MIDDLEWARES}.BackoffMiddleware": 560,
            f"{_MIDDLEWARES}.DecompressionLimitMiddleware": 590,  # in place of Scrapy's, named failures
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
            # Replaced by AllowedHostsMiddleware, which also reports what it drops.
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        },
        "ITEM_PIPELINES": {"pipeline.crawl.storage.RawStorePipeline": 100},
        "TELNETCONSOLE_ENABLED": False,  # no listening ports on a cron box
        "REMOTE_CONTROL_ENABLED": False,
        "COOKIES_ENABLED": False,
        "LOG_LEVEL": log_level,
        "LOG_FILE": log_file,  # None: stderr
        "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG",  # the spider logs each failure once, in its own words
        "LOG_INSTALL_ROOT_HANDLER": False,  # process.py installs one that masks URL passwords
        "LOG_VERSIONS": [],
        "BOT_NAME": "nianbao",
    }
