"""How counts are said in the messages people read; light, so `nianbao extract` can use it
without the warehouse's imports."""
from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """"1 document", "2 documents" (`nouns` for a plural that is not noun + s)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
