"""Numbers as Chinese reports write them: Arabic with separators, Chinese numerals,
万/亿 multipliers, signs. One parser for prose and tables, so a figure reads the same
wherever it is printed."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


Number = int | float

CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_ARABIC = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^[+-]?\d+(?:\.\d+)?$")
_MIXED = re.compile(r"^([+-]?\d+(?:\.\d+)?)([万亿])$")
_CN_ONLY = re.compile(f"^[{CN_DIGITS}]+$")
_MULTIPLIER = {"万": 10_000, "亿": 100_000_000}


def _as_number(value: Decimal) -> Number:
    """Whole values become int so counts stay exact; others float for JSON."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def parse_number(text: str) -> Number | None:
    """Read one number token; None when it is not a number. Never raises.

    Accepts `1,234`, `+14`, `-3`, `7730.28`, `1万`, `5.5亿`, `二十三`, `一万`, `两千`.
    """
    if not isinstance(text, str):
        return None
    token = text.strip().replace("，", ",")
    if not token or len(token) > 40:
        return None
    try:
        if _ARABIC.match(token):
            return _as_number(Decimal(token.replace(",", "")))
        mixed = _MIXED.match(token)
        if mixed:
            return _as_number(Decimal(mixed.group(1)) * _MULTIPLIER[mixed.group(2)])
        if _CN_ONLY.match(token):
            return _parse_chinese(token)
    except (InvalidOperation, ValueError, ArithmeticError):
        return None
    return None


def _parse_chinese(token: str) -> Number | None:
    """cn2an knows the numeral grammar; it raises on malformed strings like 十十. Imported here:
    it costs a third of a second and most documents write their figures in digits."""
    import cn2an

    try:
        value = cn2an.cn2an(token, "smart")
    except Exception:  # cn2an raises bare ValueError and others on junk
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def format_number(value: Number) -> str:
    """The canonical printed form, which parse_number reads back to the same value."""
    if isinstance(value, bool):
        raise TypeError("bool is not a figure")
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
