"""Hypothesis fuzzing of the read stage: real pages and PDFs, truncated, with bytes flipped and
tag soup inserted, go through process_bytes. Whatever the damage, no exception escapes, each
result is a report, a non-report or an error row, and each finishes in bounded time.

The seeds are read at test time from raw/samples/ and ../shared/corpus/ (never copied)."""
from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_real_corpus import CORPUS

from pipeline.model import SourceDoc
from pipeline.process import Result, process_bytes

REAL = CORPUS / "real"
# A real report reads in under 5 s here; four times that is a hang, not a slow page.
PER_EXAMPLE_SECONDS = 20
# Fragments of broken markup: unbalanced and stray tags (inline ones nest without limit),
# open comments and CDATA, huge spans, entities out of range, a second charset declaration.
TAG_SOUP = [
    "<div>", "</div>", "<span>", "<font>", "</span>", "<table>", "</table>", "<tr>", "<td>", "</td>",
    '<td rowspan="99999" colspan="99999">',
    "<p>", "</p>", "<!--", "-->", "<![CDATA[", "]]>", "<script>", "</script>", "<", ">", "&", "&#xFFFFFFF;",
    "&#0;", "<meta charset=big5>", "</body>", "</html>", "<svg><math>", '<div id="zoom">', "年度报告", "二十一",
]

Seed = tuple[str, bytes]
Draw = Callable[[st.SearchStrategy], object]


class Hang(BaseException):
    """Raised by the alarm; a BaseException so process_bytes' own guard does not swallow it."""


@contextmanager
def _bounded(seconds: float) -> Iterator[None]:
    def ring(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _seeds(paths: list[Path]) -> list[Seed]:
    return [(path.name, path.read_bytes()) for path in sorted(paths)]


def _truncate(draw: Draw, data: bytes) -> bytes:
    return data[:draw(st.integers(1, max(1, len(data) - 1)))]


def _flip(draw: Draw, data: bytes) -> bytes:
    buf = bytearray(data)
    for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=64)):
        buf[position] ^= draw(st.integers(1, 255))
    return bytes(buf)


def _soup(draw: Draw, data: bytes) -> bytes:
    """Tag soup at a random place, one fragment repeated up to a few thousand times (deep
    nesting, endless open comments) or a random mix."""
    fragments = draw(st.lists(st.sampled_from(TAG_SOUP), min_size=1, max_size=40))
    soup = "".join(fragments) * draw(st.sampled_from([1, 10, 3000]))
    at = draw(st.integers(0, len(data)))
    return data[:at] + soup.encode() + data[at:]


MUTATIONS = [_truncate, _flip, _soup]


@st.composite
def mutated(draw: Draw, seeds: list[Seed]) -> Seed:
    name, data = draw(st.sampled_from(seeds))
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        data = mutation(draw, data)
    return name, data


def _process(name: str, data: bytes) -> Result:
    started = time.monotonic()
    with _bounded(PER_EXAMPLE_SECONDS):
        result = process_bytes(data, SourceDoc(path=Path(name)))
    assert time.monotonic() - started < PER_EXAMPLE_SECONDS
    if result.error is not None:
        assert result.error and not result.is_report and not result.figures
    else:
        assert result.classification is not None and result.document is not None
    return result


_FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def pages() -> list[Seed]:
    """Portal pages (one of them GB2312) and the plain-text seed and excerpts."""
    return _seeds([*SAMPLES.glob("*.html"), *REAL.glob("*.html"), *CORPUS.glob("seed/*.txt"), *CORPUS.glob("excerpts/*.txt")])


@pytest.fixture(scope="module")
def pdfs() -> list[Seed]:
    if not REAL.is_dir():
        pytest.skip(f"shared corpus absent ({REAL}): no real PDFs to mutate")
    return _seeds(list(REAL.glob("*.pdf")))


@settings(_FUZZ, max_examples=30)
@given(data=st.data())
def test_mutated_pages(pages: list[Seed], data: st.DataObject) -> None:
    """HTML and text are read by our own code: a crash there is a bug, never 'extractor failed'."""
    result = _process(*data.draw(mutated(pages)))
    assert not (result.error or "").startswith("extractor failed"), result.error


@settings(_FUZZ, max_examples=8)
@given(data=st.data())
def test_mutated_pdfs(pdfs: list[Seed], data: st.DataObject) -> None:
    _process(*data.draw(mutated(pdfs)))
