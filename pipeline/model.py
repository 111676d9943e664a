"""Records passed between stages. Each stage reads what the one before wrote."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class SourceDoc:
    """One stored document and what the fetch (or the user) knows about it.

    `issuer` and `adcode` come from a crawl source's configuration; when present they
    override what classification guesses from the text.
    """

    path: Path
    url: str | None = None
    fetched_at: datetime | None = None
    content_type: str | None = None
    issuer: str | None = None
    adcode: str | None = None
    referrer: str | None = None
    extra: dict = field(default_factory=dict, compare=False)
