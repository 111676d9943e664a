"""Zeros stated in words: 均未收费, 没有…申请行政复议, 未发生…行政诉讼. A researcher codes
these as 0, so they become figures with implicit=True and point at the sentence."""
from __future__ import annotations

import re

from pipeline.model import Figure

_NEG = r"(?:没有|未|无|未发生|未出现|未产生|不存在|零)"
STATEMENTS: list[tuple[str, str, str, re.Pattern]] = [
    ("fees.collected", "信息公开收费", "元",
     re.compile(rf"(?:均未收费|{_NEG}(?:向[^。；，]{{0,10}})?收取[^。；\d]{{0,30}}?费|未发生收费|{_NEG}收费|免费提供|未产生[^。；\d]{{0,10}}费|收费情况[:：]?无|不收取[^。；\d]{{0,20}}?费)")),
    ("requests.outcome.withheld.subtotal.total", "不予公开", "件",
     re.compile(rf"{_NEG}[^。；\d]{{0,6}}(?:不予公开|不同意公开)[^。；\d]{{0,6}}(?:申请|情况|情形)")),
    ("review.total", "行政复议", "件", re.compile(rf"{_NEG}[^。；\d]{{0,30}}行政复议")),
    ("litigation.total", "行政诉讼", "件", re.compile(rf"{_NEG}[^。；\d]{{0,40}}行政诉讼")),
]
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")


def implicit_zeros(lines: list[tuple[int, str]], explicit_keys: set[str]) -> list[Figure]:
    figures: list[Figure] = []
    seen: set[str] = set(explicit_keys)
    for offset, text in lines:
        for sentence in _SENTENCE.finditer(text):
            if re.search(r"\d+\s*(件|元|起)", sentence.group(0)):
                continue
            for key, label, unit, pattern in STATEMENTS:
                found = pattern.search(sentence.group(0))
                if key in seen or not found:
                    continue
                seen.add(key)
                start = offset + sentence.start() + found.start()
                figures.append(Figure(label=label, value=0, unit=unit, start=start, end=start + len(found.group(0)),
                                      key=key, implicit=True))
    return figures
