"""`nianbao` as a user runs it: the installed console script in a subprocess, bounded in time,
and a sources file for loopback portals (no delay, so tests stay quick)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NIANBAO = Path(sys.executable).with_name("nianbao")
CONTACT = "https://example.org/nianbao-tests"


def nianbao(*args: str, cwd: Path, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    assert NIANBAO.exists(), f"{NIANBAO}: the console script is not installed"
    return subprocess.run([str(NIANBAO), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          input=stdin, env={**os.environ, "PYTHONPATH": str(ROOT)})


def write_sources(path: Path, sources: list[tuple[str, str, str]], crawl: str = "") -> Path:
    """A sources file of (issuer, adcode, listing URL) sources; `crawl` adds [crawl] lines."""
    tables = "".join(f'\n[[source]]\nname = "{name}"\nadcode = "{adcode}"\nlisting = "{listing}"\n'
                     for name, adcode, listing in sources)
    path.write_text(f'[crawl]\nuser_agent_contact = "{CONTACT}"\ndelay = 0\ntimeout = 5\nretry_backoff = 0.1\n'
                    f'{crawl}{tables}', encoding="utf-8")
    return path
