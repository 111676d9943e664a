"""Images of a report: a PNG/JPEG attachment, and the pictures a page shows where its tables
should be. OCR (pipeline.read.ocr) turns one image into text blocks and tables; it is imported
only when an image is read, so pages and files without images never need it."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from w3lib.url import safe_url_string

from pipeline.model import DocumentError, RawDocument, RawTable, SourceDoc

Fetch = Callable[[str], "bytes | None"]


def ocr_blocks(*images: bytes) -> list[str | RawTable]:
    """The blocks OCR reads in images that follow one another, read as one document's pages; a
    one-line error when no OCR engine is there."""
    try:
        ocr = importlib.import_module("pipeline.read.ocr")
    except ModuleNotFoundError as err:
        raise DocumentError(f"image needs OCR, which is not available here ({err})") from err
    return ocr.image_blocks(*images)


def read_image(data: bytes) -> RawDocument:
    """A PNG/JPEG file: its OCR'd blocks."""
    blocks = ocr_blocks(data)
    if not blocks:
        raise DocumentError("image file with no readable text")
    return RawDocument(blocks=blocks, medium="image")


def splice(raw: RawDocument, fetch: Fetch) -> tuple[RawDocument, list[str]]:
    """The page with its images' OCR'd blocks put in where the images stood, and the sources of
    the images that could not be fetched. Images with no text between them are read together,
    as the pages of one table."""
    shown: dict[int, list[bytes]] = {}
    missing = []
    for image in raw.meta.get("images") or []:
        data = fetch(image["src"])
        if data is None:
            missing.append(image["src"])
        else:
            shown.setdefault(image["at"], []).append(data)
    read = {at: ocr_blocks(*images) for at, images in shown.items()}
    blocks: list[str | RawTable] = []
    for at in range(len(raw.blocks) + 1):
        blocks += read.get(at, []) + raw.blocks[at:at + 1]
    return RawDocument(blocks=blocks, medium=f"{raw.medium}+ocr", title=raw.title, encoding=raw.encoding,
                       meta=dict(raw.meta)), missing


def fetcher(source: SourceDoc) -> Fetch:
    """Where a page's images are: the crawl's raw store (source.extra["images"], absolute URL →
    stored file, filled from the fetch log), else the files beside a saved page."""
    stored: dict[str, str] = source.extra.get("images") or {}
    folder = source.path.parent.resolve()

    def fetch(src: str) -> bytes | None:
        if source.url and (path := stored.get(_as_crawled(urljoin(source.url, src)))):
            return _read(Path(path))
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or not parts.path:
            return None  # on another site: only the crawl fetches it
        beside = (folder / unquote(parts.path)).resolve()  # a rooted path is no file beside the page
        return _read(beside) if beside.is_relative_to(folder) else None

    return fetch


def _as_crawled(url: str) -> str:
    """The URL as the crawl requested and logged it: escaped (非 ASCII file names), no fragment."""
    return safe_url_string(urldefrag(url).url)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
