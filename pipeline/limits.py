"""Per-document limits: one pathological file costs at most this much, never the run.

Each limit is read from its environment variable when it is used, so a user (or a test)
raises it without touching code, and every refusal names the limit and how to raise it."""
from __future__ import annotations

import os
from dataclasses import dataclass


class LimitError(ValueError):
    """An environment variable holds something that is not a limit: a usage error."""


@dataclass(frozen=True)
class Limit:
    env: str
    default: int
    unit: str

    def value(self) -> int:
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise LimitError(f"{self.env}={raw!r}: not a whole number of {self.unit} above 0")
        return int(raw)

    def exceeded(self, what: str) -> str:
        """`what` plus the limit it passed and the variable that raises it."""
        return f"{what} (limit {self.value()} {self.unit}; raise it with {self.env})"


DOC_SECONDS = Limit("NIANBAO_DOC_TIMEOUT", 60, "s")
DOC_MEMORY = Limit("NIANBAO_DOC_MEMORY_MB", 1000, "MB")  # on top of what a worker maps at start-up
PDF_PAGES = Limit("NIANBAO_MAX_PDF_PAGES", 300, "pages")  # reports run to dozens; thousands are a bundle or an attack
DOCX_UNZIPPED = Limit("NIANBAO_MAX_DOCX_MB", 256, "MB")  # a report's XML is a few MB even with embedded images
FILE_SIZE = Limit("NIANBAO_MAX_FILE_MB", 60, "MB")  # the largest report PDFs with scans run to a few tens of MB

ALL = (DOC_SECONDS, DOC_MEMORY, PDF_PAGES, DOCX_UNZIPPED, FILE_SIZE)


def validate() -> None:
    """Raise LimitError for the first limit set to something unusable (checked before a run starts)."""
    for limit in ALL:
        limit.value()
