"""Child processes that die with their parent: a `kill -9` of `nianbao run` or `nianbao crawl`
must not leave workers running (holding the crawl lock, or writing after the run is gone)."""
from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Called first thing in a child: on Linux the kernel sends it SIGKILL when the thread that
    started it ends. If the parent is already gone (it died before the request was made), the
    child ends now."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)
