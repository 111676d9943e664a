"""parse_number / format_number: one reader for every number a report prints."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.numbers import format_number, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234", 1234),
        ("12,345,678", 12345678),
        ("+14", 14),
        ("-3", -3),
        ("0", 0),
        ("7730.28", 7730.28),
        ("96171.6", 96171.6),
        ("1万", 10_000),
        ("1.5万", 15_000),
        ("5.5亿", 550_000_000),
        ("二十三", 23),
        ("一万", 10_000),
        ("两千", 2000),
        ("一百零五", 105),
        ("零", 0),
        (" 42 ", 42),
    ],
)
def test_parses(text: str, value) -> None:
    parsed = parse_number(text)
    assert parsed == value
    assert type(parsed) is type(value)  # counts stay int, money with decimals is float


@pytest.mark.parametrize(
    "text", ["", "   ", "abc", "1.2.3", "1,23", "十十", "nan", "inf", "1e5", "--3", "3-", "12件", "〔2016〕", "/", "—", None, 7],
)
def test_junk_is_none(text) -> None:
    assert parse_number(text) is None


def test_sign_and_separators_together() -> None:
    assert parse_number("+1,036") == 1036
    assert parse_number("-1,036") == -1036
    assert parse_number("1，234") == 1234  # full-width comma as thousands separator


@given(st.text())
def test_never_raises(text: str) -> None:
    value = parse_number(text)
    assert value is None or isinstance(value, (int, float))


@given(st.text(alphabet="0123456789,.+-万亿零〇一二两三四五六七八九十百千 ", max_size=20))
def test_never_raises_on_number_like_text(text: str) -> None:
    value = parse_number(text)
    assert value is None or isinstance(value, (int, float))


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_roundtrip_integers(value: int) -> None:
    text = format_number(value)
    assert parse_number(text) == value
    assert isinstance(parse_number(text), int)


@settings(max_examples=300)
@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False, allow_infinity=False))
def test_roundtrip_decimals(value: Decimal) -> None:
    number = float(value)
    assert parse_number(format_number(number)) == number


@given(st.integers(min_value=-10**9, max_value=10**9))
def test_roundtrip_hundredths(cents: int) -> None:
    number = cents / 100
    assert parse_number(format_number(number)) == number


def test_format_number_is_plain() -> None:
    assert format_number(7730.28) == "7730.28"
    assert format_number(1e-5) == "0.00001"  # never scientific notation
    assert format_number(12.0) == "12"
    with pytest.raises(TypeError):
        format_number(True)
