"""The raw store: every fetched body once, named by its sha256, plus an append-only fetch log.

Later stages re-read bodies from here (re-extracting never re-fetches), and the crawl reads
the log back to know what it already has. Both must survive a SIGKILL at any instant:
objects are written to a temp file and renamed into place, and each log line is fsynced
before the next fetch is recorded, so a kill loses at most the line being written, which
readers skip.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from pipeline.model import SourceDoc

LOG_NAME = "fetch_log.jsonl"
SNAPSHOT_KINDS = ("report", "attachment")
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png"}  # images a report page shows, fetched with it


@dataclass(frozen=True)
class FetchRecord:
    """One response (or failed attempt) as the crawl saw it; one line of the fetch log."""

    url: str
    kind: str  # 'listing' | 'report' | 'attachment'
    fetched_at: str  # ISO 8601, UTC
    status: int | None = None
    referrer: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    content_type: str | None = None
    bytes: int | None = None
    issuer: str | None = None
    adcode: str | None = None
    error: str | None = None

    @property
    def error_code(self) -> str | None:
        """Errors are written as 'code: detail'; the code is what callers branch on."""
        return self.error.split(":", 1)[0] if self.error else None


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RawStore:
    """A raw/ directory: `objects/<sha[:2]>/<sha>` and `fetch_log.jsonl`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.log_path = self.root / LOG_NAME

    def object_path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def put(self, body: bytes) -> str:
        """Store a body unless an identical one is already there; return its sha256."""
        sha = hashlib.sha256(body).hexdigest()
        target = self.object_path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def read(self, sha256: str) -> bytes | None:
        try:
            return self.object_path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def remove_stale_temp_files(self) -> None:
        """Temp files left by a killed writer; only safe while holding the crawl lock."""
        for tmp in self.objects.glob("*/.tmp-*"):
            tmp.unlink(missing_ok=True)

    def append(self, record: FetchRecord) -> None:
        """Append one line and fsync it, first closing a line torn by an earlier kill."""
        self.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
        with open(self.log_path, "ab") as log:
            if log.tell() and not _ends_with_newline(self.log_path):
                log.write(b"\n")
            log.write(line.encode("utf-8"))
            log.flush()
            os.fsync(log.fileno())

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def records(self, start: int = 0) -> Iterator[FetchRecord]:
        """Log rows from byte offset `start` on, skipping torn or foreign lines."""
        try:
            log = open(self.log_path, "rb")
        except FileNotFoundError:
            return
        with log:
            log.seek(start)
            for raw_line in log:
                record = _parse_line(raw_line)
                if record is not None:
                    yield record

    def latest_by_url(self) -> dict[str, FetchRecord]:
        """The most recent row per URL, whatever its outcome."""
        return {record.url: record for record in self.records()}

    def latest_stored(self) -> dict[str, FetchRecord]:
        """The most recent row per URL that has a body in the store."""
        return {record.url: record for record in self.records() if record.sha256}

    def snapshots(self) -> list[SourceDoc]:
        """One document per distinct report/attachment body, as first fetched."""
        return snapshot_docs(self, self.records())


def _is_image_url(url: str) -> bool:
    return PurePosixPath(urlsplit(url).path.lower()).suffix in IMAGE_EXTENSIONS


def _page_images(store: RawStore, records: list[FetchRecord]) -> dict[str, dict[str, str]]:
    """Each report page's stored images: page URL → {image URL → stored file}."""
    out: dict[str, dict[str, str]] = {}
    for record in records:
        is_image = (record.content_type or "").startswith("image/") or _is_image_url(record.url)
        if record.kind == "attachment" and record.sha256 and record.referrer and is_image:
            out.setdefault(record.referrer, {})[record.url] = str(store.object_path(record.sha256))
    return out


def snapshot_docs(store: RawStore, records: Iterator[FetchRecord] | list[FetchRecord],
                  known: set[str] | None = None) -> list[SourceDoc]:
    """SourceDocs for report/attachment bodies in `records` whose sha256 is not in `known`;
    a report page carries its stored images in extra["images"] (read where its tables are pictures)."""
    seen = set(known or ())
    records = list(records)
    images = _page_images(store, records)
    docs = []
    for record in records:
        if record.kind not in SNAPSHOT_KINDS or not record.sha256 or record.sha256 in seen:
            continue
        seen.add(record.sha256)
        docs.append(SourceDoc(
            path=store.object_path(record.sha256),
            url=record.url,
            fetched_at=datetime.fromisoformat(record.fetched_at),
            content_type=record.content_type,
            issuer=record.issuer,
            adcode=record.adcode,
            referrer=record.referrer,
            extra={"sha256": record.sha256, "kind": record.kind, **(
                {"images": images[record.url]} if record.kind == "report" and record.url in images else {})},
        ))
    return docs


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as log:
        log.seek(-1, os.SEEK_END)
        return log.read(1) == b"\n"


_FIELDS = set(FetchRecord.__dataclass_fields__)


def _parse_line(raw_line: bytes) -> FetchRecord | None:
    """A torn, foreign or older-schema line yields None instead of stopping the reader."""
    try:
        data = json.loads(raw_line)
        return FetchRecord(**{key: value for key, value in data.items() if key in _FIELDS})
    except (ValueError, TypeError, AttributeError):
        return None
