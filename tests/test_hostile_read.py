"""Hostile inputs to the read stage, generated here: each is refused fast with a one-line cause."""
from __future__ import annotations

import gzip
import re
import time
from pathlib import Path

import pytest
from fixtures.hostile import deep_html, docx_bomb, gzip_bomb, text_pdf
from reportlab.lib import pdfencrypt
from conftest import SAMPLES
from fixtures.reports import Spec, report_docx, report_html
from test_tables import assert_cells

from pipeline.limits import DOCX_UNZIPPED, FILE_SIZE, PDF_PAGES
from pipeline.model import DocumentError, SourceDoc
from pipeline.process import process_bytes
from pipeline.read import read_bytes
from pipeline.read.decode import decode


# ------------------------------------------------------------------ PDF

@pytest.mark.parametrize("pages", [2000, 3000])
def test_huge_pdf_refused_fast_naming_the_limit(pages: int) -> None:
    data = text_pdf(pages)
    started = time.monotonic()
    with pytest.raises(DocumentError, match=rf"more than {PDF_PAGES.default} pages.*{PDF_PAGES.env}"):
        read_bytes(data, "big.pdf")
    assert time.monotonic() - started < 10


def test_page_cap_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    data = text_pdf(5)
    monkeypatch.setenv(PDF_PAGES.env, "4")
    with pytest.raises(DocumentError, match="more than 4 pages"):
        read_bytes(data, "five.pdf")
    monkeypatch.setenv(PDF_PAGES.env, "5")
    assert read_bytes(data, "five.pdf").meta["pages"] == 5


def test_encrypted_pdf_names_the_password() -> None:
    data = text_pdf(1, pdfencrypt.StandardEncryption("secret", ownerPassword="owner"))
    with pytest.raises(DocumentError, match=r"^encrypted PDF \(password required\)$"):
        read_bytes(data, "locked.pdf")


# ------------------------------------------------------------------ Word

def test_docx_bomb_refused_fast_naming_the_limit() -> None:
    data = docx_bomb(1024)
    started = time.monotonic()
    with pytest.raises(DocumentError, match=rf"more than {DOCX_UNZIPPED.default} MB.*{DOCX_UNZIPPED.env}"):
        read_bytes(data, "bomb.docx")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_html_is_read_in_linear_time(depth: int) -> None:
    """Content finding counts text once per element: 100,000 nested divs is a bounded cost."""
    page = deep_html(depth)
    started = time.monotonic()
    result = process_bytes(page, SourceDoc(path=Path("deep.html")))
    assert time.monotonic() - started < 40
    assert result.error is None or "extractor failed" not in result.error


# ------------------------------------------------------------------ gzip

def test_gzip_bomb_refused_naming_the_limit() -> None:
    data = gzip_bomb(1024)
    started = time.monotonic()
    with pytest.raises(DocumentError, match=rf"inflates to more than {FILE_SIZE.default} MB.*{FILE_SIZE.env}"):
        read_bytes(data, "page.html.gz")
    assert time.monotonic() - started < 10


def test_gzipped_page_is_read_as_the_page() -> None:
    page = "<html><body><p>本机关全年主动公开政府信息三百条。</p></body></html>".encode()
    assert read_bytes(gzip.compress(page), "page.html.gz").blocks == read_bytes(page, "page.html").blocks
    with pytest.raises(DocumentError, match="truncated gzip"):
        read_bytes(gzip.compress(page)[:-12], "page.html.gz")


def test_deeply_nested_inline_tags_keep_their_text() -> None:
    """50,000 nested <span>s inside the content once overflowed the call stack ('extractor failed')."""
    sentence = "本年度本机关共受理政府信息公开申请十二件。" * 20
    page = '<html><body><div id="zoom">' + "<span>" * 50_000 + sentence + "</span>" * 50_000 + "</div></body></html>"
    assert read_bytes(page.encode(), "deep.html").blocks == [sentence]


def test_table_spans_are_capped() -> None:
    """3,000 cells of rowspan=colspan=99999 once expanded to 30 million grid cells (GBs of memory)."""
    cells = '<td rowspan="99999" colspan="99999">1</td>' * 3000
    prose = "<p>" + "本机关全年主动公开政府信息一千余条。" * 20 + "</p>"
    page = f'<html><body><div id="zoom">{prose}<table><tr>{cells}</tr>{"<tr></tr>" * 100}</table></div></body></html>'
    started = time.monotonic()
    with pytest.raises(DocumentError, match=r"spans expand past 100,000 cells"):
        read_bytes(page.encode(), "spans.html")
    assert time.monotonic() - started < 10


# ------------------------------------------------------------------ encodings

# The <meta> charset declarations of a page; a page without one must be decoded by its bytes.
_META_CHARSET = re.compile(r"<meta[^>]*charset[^>]*>", re.I)


def _undeclared(page: bytes) -> str:
    return _META_CHARSET.sub("", page.decode("utf-8"))


def _process(data: bytes, content_type: str | None = None):
    return process_bytes(data, SourceDoc(path=Path("page.html"), content_type=content_type))


def _figures(result) -> list[tuple]:
    return [(f.key, f.value, f.source, f.label) for f in result.figures]


def test_gbk_sample_without_charset_is_the_report_it_is() -> None:
    """A real layout re-encoded: charset detection alone read these bytes as Cyrillic."""
    utf8 = (SAMPLES / "huaianqu-2021.html").read_bytes()
    result = _process(_undeclared(utf8).encode("gb18030"))
    assert (result.error, result.encoding, result.is_report) == (None, "gb18030", True)
    assert _figures(result) == _figures(_process(utf8))


@pytest.mark.parametrize(("page", "content_type"), [
    (report_html(Spec()).decode(), None),  # the page says <meta charset="utf-8">
    (_undeclared(report_html(Spec())), "text/html; charset=utf-8"),
    (_undeclared(report_html(Spec())), "text/html; charset=ISO-8859-1"),
], ids=["lying-meta", "lying-http-utf8", "lying-http-latin1"])
def test_gbk_report_under_a_lying_charset_is_read_as_the_report(page: str, content_type: str | None) -> None:
    result = _process(page.encode("gb18030"), content_type)
    assert (result.error, result.encoding, result.is_report) == (None, "gb18030", True)
    assert_cells(result, Spec())


def test_big5_report_without_charset_is_read_as_the_report() -> None:
    spec = Spec(traditional=True)
    page = _undeclared(report_html(spec)).replace("爲", "為")  # Big5 spells 爲 as 為
    result = _process(page.encode("big5"))
    assert (result.error, result.encoding, result.is_report) == (None, "big5", True)
    assert_cells(result, spec)


@pytest.mark.parametrize("declared", [None, "gb18030", "iso8859-1"])
def test_utf8_text_is_decoded_unchanged(declared: str | None) -> None:
    text = "联系人：朱镕基、王堃；Zoë Müller 提供的资料。本机关全年受理申请二十一件。\n" * 30
    assert decode(text.encode(), declared) == (text, "utf-8")


@pytest.mark.parametrize("codec", ["utf-8", "cp1252"])
def test_english_page_is_a_plain_non_report(codec: str) -> None:
    """Accented names and curly quotes are not mojibake: an English page is just not a report."""
    para = "<p>The \u201copen government\u201d office of Zoë Müller and José Núñez answered 21 requests.</p>"
    result = _process(f"<html><body>{para * 40}</body></html>".encode(codec))
    assert result.error is None
    assert result.classification is not None and not result.is_report


_CHINESE = "本区全年主动公开政府信息三百余条，受理依申请公开十二件，均在法定期限内答复。"


@pytest.mark.parametrize("mangle", [
    lambda text: text.encode().decode("latin-1").encode(),  # UTF-8 read as Latin-1, saved as UTF-8
    lambda text: text.encode().decode("gb18030", "replace").encode(),  # UTF-8 read as GBK, saved
    lambda text: text.encode("gb18030").decode("utf-8", "replace").encode(),  # GBK read as UTF-8: all U+FFFD
    lambda text: text.encode("gb18030").decode("cp1251").encode(),  # GBK read as Cyrillic, saved
], ids=["latin1", "gbk", "replacement", "cyrillic"])
def test_mojibake_is_an_error_row(mangle) -> None:
    page = f"<html><body><div id=\"zoom\">{''.join(f'<p>{_CHINESE}</p>' for _ in range(20))}</div></body></html>"
    result = _process(mangle(page))
    assert result.error is not None and result.error.startswith("text reads as mojibake"), result.error
    assert not result.is_report


def test_docx_with_a_damaged_stream_names_the_damage() -> None:
    data = bytearray(report_docx(Spec()))
    start = data.index(b"word/document.xml") + len(b"word/document.xml") + 40  # inside that member's deflate stream
    data[start:start + 64] = bytes(64)
    with pytest.raises(DocumentError, match=r"^corrupt or unsupported Word file \(error\)$"):
        read_bytes(bytes(data), "damaged.docx")
