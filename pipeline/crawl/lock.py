"""One crawl per raw/ directory at a time: two writers would race on the same fetch log."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.locks import LockHeld, exclusive

LOCK_NAME = "crawl.lock"
EXIT_LOCKED = 3  # how the crawl process tells run_crawl that the lock was taken


class CrawlError(Exception):
    """The crawl could not run to its end."""


class CrawlLocked(CrawlError):
    """Another crawl holds the lock on this raw/ directory."""


class CrawlUnusable(CrawlError):
    """What the crawl was told to use cannot be used (the shared frontier's Redis): a usage error."""


def locked_message(raw_dir: Path) -> str:
    return (f"another crawl is running on {raw_dir} (lock {raw_dir / LOCK_NAME} is held); "
            "this run stops here and fetched nothing")


@contextmanager
def crawl_lock(raw_dir: Path) -> Iterator[None]:
    """Hold the raw/ directory's lock for the block, or raise CrawlLocked at once."""
    try:
        with exclusive(raw_dir / LOCK_NAME):
            yield
    except LockHeld as exc:
        raise CrawlLocked(locked_message(raw_dir)) from exc
