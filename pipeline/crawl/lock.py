"""One crawl per raw/ directory at a time: two writers would race on the same fetch log."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "crawl.lock"
EXIT_LOCKED = 3  # how the crawl process tells run_crawl that the lock was taken


class CrawlError(Exception):
    """The crawl could not run to its end."""


class CrawlLocked(CrawlError):
    """Another crawl holds the lock on this raw/ directory."""


def locked_message(raw_dir: Path) -> str:
    return (f"another crawl is running on {raw_dir} (lock {raw_dir / LOCK_NAME} is held); "
            "this run stops here and fetched nothing")


@contextmanager
def crawl_lock(raw_dir: Path) -> Iterator[None]:
    """Hold an exclusive flock for the block, or raise CrawlLocked at once.

    The kernel drops a flock when its holder dies, even by SIGKILL, so no stale lock
    ever needs cleaning up.
    """
    raw_dir.mkdir(parents=True, exist_ok=True)
    with open(raw_dir / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise CrawlLocked(locked_message(raw_dir)) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # for whoever wonders who holds it
        handle.flush()
        yield
