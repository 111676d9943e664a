"""Zeros stated in words: 均未收费, 没有…申请行政复议, 未发生…行政诉讼. A researcher codes
these as 0, so they become figures with implicit=True and point at the statement. The
statements are the `nil` phrasings of narrative_keys.yaml; they count wherever they stand,
also in a sentence that states other numbers (收到申请3件，未发生行政复议)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.metrics import narrative_keys
from pipeline.model import Figure

_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
# 未收到申请，行政复议1件: the words before a stated number are no zero.
_NUMBER_NEXT = re.compile(r"\s*[\d零〇一二两三四五六七八九十百千]+\s*(件|元|起|条|项|万元)")


@dataclass(frozen=True)
class NilStatement:
    key: str
    label: str
    unit: str
    pattern: re.Pattern


@lru_cache(maxsize=1)
def nil_statements() -> tuple[NilStatement, ...]:
    spec = narrative_keys()
    neg = spec["negation"]
    return tuple(NilStatement(item["key"], item["nil_label"], item["unit"],
                              re.compile("|".join(f"(?:{p.replace('{neg}', neg)})" for p in item["nil"])))
                 for item in spec["keys"] if item.get("nil"))


def implicit_zeros(lines: list[tuple[int, str]], explicit_keys: set[str]) -> list[Figure]:
    """One zero per key not stated as a number, at its first statement in reading order."""
    figures: list[Figure] = []
    seen: set[str] = set(explicit_keys)
    for offset, text in lines:
        for sentence in _SENTENCE.finditer(text):
            for nil in nil_statements():
                found = nil.pattern.search(sentence.group(0))
                if nil.key in seen or not found or _NUMBER_NEXT.match(sentence.group(0), found.end()):
                    continue
                seen.add(nil.key)
                start = offset + sentence.start() + found.start()
                figures.append(Figure(label=nil.label, value=0, unit=nil.unit, start=start,
                                      end=start + len(found.group(0)), key=nil.key, implicit=True))
    return figures
