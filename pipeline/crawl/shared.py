"""A crawl shared by many processes on many machines (`nianbao crawl --redis redis://host:6379/0`).

scrapy-redis keeps the frontier (the request queue) and the duplicate filter in Redis, so every
URL is requested by one process once. Three things are added here, each in Redis:

- Politeness across processes: a per-host lock (`HostLockMiddleware`). A process holds a host's
  lock for one download and lets it expire `delay` seconds after the answer, so a host is
  crawled by one process at a time, with its delay between requests, whatever the number of
  processes. A lock whose holder died expires by itself.
- Nothing lost to a killed process: a request taken from the queue is recorded as in flight,
  under its process's name, until its fetch-log row is written (`InFlightDone`). Each process
  keeps a short-lived heartbeat key; requests in flight under a process whose heartbeat has
  expired are put back in the queue by another one, which waits for them before it finishes.
- Rounds: the queue and the filter persist between processes. When a process starts and no
  other is alive, nothing is queued and nothing is in flight, the last round ended: the filter
  is cleared so this week's crawl fetches what is new (stored bodies are still skipped).
"""
from __future__ import annotations

import asyncio
import os
import socket
import uuid
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.http import Response
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from pipeline.crawl.storage import Fetched

_PREFIX = "nianbao"  # every key of ours; one Redis database per crawl (the URL's /0, /1 …)
_INFLIGHT = f"{_PREFIX}:inflight"  # linked URL → the request, encoded as in the queue
_OWNERS = f"{_PREFIX}:inflight-owner"  # linked URL → the process that took it
HEARTBEAT_SECONDS = 10  # a process silent this long is taken for dead and its requests re-queued
_LOCK_POLL_SECONDS = 0.1

# scrapy-redis still passes `spider=` to the stats collector: a warning per request in the log, not ours to fix.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis.scheduler")


def owner_name() -> str:
    """This process, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler, which also records what each process has taken from the queue."""

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.owner = spider.settings["NIANBAO_OWNER"]
        with self.server.lock(f"{_PREFIX}:opening", timeout=30):
            if not self._others_alive() and not len(self.queue) and not self.server.hlen(_INFLIGHT):
                self.df.clear()  # the last round ended: a new one
            self.beat()
        self._beating = task.LoopingCall(self.beat)
        self._beating.start(HEARTBEAT_SECONDS / 4, now=False)

    def beat(self) -> None:
        self.server.set(_alive(self.owner), 1, ex=HEARTBEAT_SECONDS)

    def close(self, reason: str) -> None:
        if self._beating.running:
            self._beating.stop()
        self._requeue(lambda owner: owner == self.owner)  # taken, never answered (a budget ended the crawl)
        self.server.delete(_alive(self.owner))
        super().close(reason)

    def next_request(self) -> Request | None:
        request = super().next_request()
        if request is not None:
            url = linked_url(request)
            with self.server.pipeline() as both:  # one transaction: never a request without its owner
                both.hset(_INFLIGHT, url, self.queue._encode_request(request)).hset(_OWNERS, url, self.owner)
                both.execute()
        return request

    def has_pending_requests(self) -> bool:
        """Queued requests, or requests in flight in another live process (whose death would put
        them back): this process stays until the round is done."""
        return len(self) > 0 or self._requeue_the_dead() or self._others_in_flight()

    def _requeue_the_dead(self) -> bool:
        return self._requeue(lambda owner: owner != self.owner and not self.server.exists(_alive(owner)))

    def _requeue(self, whose: Callable[[str], bool]) -> bool:
        """Put the requests in flight under the owners `whose` picks back in the queue."""
        requeued = False
        for url, owner in self.server.hgetall(_OWNERS).items():
            if whose(owner.decode()):
                encoded = self.server.hget(_INFLIGHT, url)
                if self.server.hdel(_OWNERS, url) and encoded is not None:  # only one process wins it
                    self.server.hdel(_INFLIGHT, url)
                    self.queue.push(self.queue._decode_request(encoded))
                    requeued = True
        return requeued

    def _others_in_flight(self) -> bool:
        return any(owner.decode() != self.owner for owner in self.server.hvals(_OWNERS))

    def _others_alive(self) -> bool:
        return any(key != _alive(self.owner).encode() for key in self.server.scan_iter(_alive("*")))


def _alive(owner: str) -> str:
    return f"{_PREFIX}:alive:{owner}"


def linked_url(request: Request) -> str:
    """The URL as linked, before redirects: what its fetch-log row is written under."""
    return request.meta.get("redirect_urls", [request.url])[0]


class InFlightDone:
    """Item pipeline after the raw store's: once a URL's row is in the fetch log, it is done."""

    def __init__(self, server: redis.Redis) -> None:
        self.server = server

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InFlightDone:
        return cls(get_redis_from_settings(crawler.settings))

    def process_item(self, item: Fetched) -> Fetched:
        with self.server.pipeline() as both:
            both.hdel(_INFLIGHT, item.record.url).hdel(_OWNERS, item.record.url)
            both.execute()
        return item


class HostLockMiddleware:
    """One download at a time per host across every process, `delay` seconds apart: the lock is
    taken just before the download (the last middleware) and set to expire `delay` after the
    answer. Its first expiry (`hold` seconds) frees the host if the holder dies mid-download."""

    def __init__(self, server: redis.Redis, owner: str, delays: dict[str, float], default: float, hold: float) -> None:
        self.server, self.owner, self.delays, self.default, self.hold = server, owner, delays, default, hold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostLockMiddleware:
        settings = crawler.settings
        crawl = settings["NIANBAO_CONFIG"].settings
        return cls(get_redis_from_settings(settings), settings["NIANBAO_OWNER"], settings["NIANBAO_HOST_DELAYS"],
                   crawl.delay, crawl.deadline + crawl.delay)

    async def process_request(self, request: Request) -> None:
        key = _host_key(request)
        while not self.server.set(key, self.owner, nx=True, ex=max(1, round(self.hold))):
            # Until it expires, or a little while: the holder may shorten it when its answer arrives.
            await asyncio.sleep(min(max(self.server.pttl(key), 1) / 1000, _LOCK_POLL_SECONDS))
        request.meta["nianbao_host_lock"] = key

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        """Free the host `delay` seconds from now, if the lock is still this process's."""
        key = request.meta.pop("nianbao_host_lock", None)
        if key is None:
            return
        delay = self.delays.get(urlsplit(request.url).hostname or "", self.default)
        with self.server.pipeline() as pipe:
            try:
                pipe.watch(key)
                if pipe.get(key) == self.owner.encode():
                    pipe.multi()
                    if delay > 0:
                        pipe.pexpire(key, max(1, int(delay * 1000)))
                    else:
                        pipe.delete(key)
                    pipe.execute()
            except redis.WatchError:
                pass  # it expired and another process took it meanwhile: theirs now


def _host_key(request: Request) -> str:
    parts = urlsplit(request.url)
    return f"{_PREFIX}:host:{parts.hostname}:{parts.port or parts.scheme}"


def redis_settings(url: str, delays: dict[str, float]) -> dict[str, Any]:
    """Settings that put the frontier in Redis at `url` and the host delays in its locks
    (Scrapy's own per-process delay is then 0: the lock spaces requests across processes)."""
    return {
        "REDIS_URL": url,
        "SCHEDULER": "pipeline.crawl.shared.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "NIANBAO_OWNER": owner_name(),
        "NIANBAO_HOST_DELAYS": delays,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_SLOTS": {},
        "AUTOTHROTTLE_ENABLED": False,
    }


def check_redis(url: str) -> str | None:
    """Why the Redis server at `url` cannot be used, or None."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        return f"cannot use Redis at {url}: {exc}"
    return None
