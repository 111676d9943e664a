"""One writer at a time: an exclusive lock on a file beside what is written (a raw/ store, a
warehouse), taken without waiting."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock."""


@contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Hold the lock for the block, or raise LockHeld at once. A POSIX record lock: the kernel
    drops it when its holder dies, even by SIGKILL, and forked children (a run's workers) do
    not inherit it, so no stale lock ever needs cleaning up."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+", encoding="ascii") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError) as err:  # EAGAIN or EACCES: another process holds it
            raise LockHeld(str(lock)) from err
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # for whoever wonders who holds it
        handle.flush()
        yield
