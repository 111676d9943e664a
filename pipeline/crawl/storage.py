"""The item pipeline: the only place the crawl writes to raw/.

The spider turns every response and every failure into a `Fetched` item; writing them
here keeps the spider free of I/O, so a distributed (scrapy-redis) deployment can swap
the storage without touching the link-following logic.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from scrapy.crawler import Crawler

from pipeline.raw import FetchRecord, RawStore


@dataclass
class Fetched:
    record: FetchRecord  # sha256 and bytes are filled in on storing
    body: bytes | None = field(default=None, repr=False)  # keeps bodies out of item logs


class RawStorePipeline:
    def __init__(self, store: RawStore) -> None:
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        return cls(RawStore(crawler.settings["NIANBAO_RAW_DIR"]))

    def process_item(self, item: Fetched) -> Fetched:
        """Body first, then the log row: a kill in between leaves an orphan object, never a dangling row."""
        record = item.record
        if item.body is not None:
            record = replace(record, sha256=self.store.put(item.body), bytes=len(item.body))
        self.store.append(record)
        return item
