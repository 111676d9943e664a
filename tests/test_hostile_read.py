"""Hostile inputs to the read stage, generated here: each is refused fast with a one-line cause."""
from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest
from fixtures.hostile import deep_html, docx_bomb, gzip_bomb, text_pdf
from reportlab.lib import pdfencrypt

from pipeline.limits import DOCX_UNZIPPED, FILE_SIZE, PDF_PAGES
from pipeline.model import DocumentError, SourceDoc
from pipeline.process import process_bytes
from pipeline.read import read_bytes


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
