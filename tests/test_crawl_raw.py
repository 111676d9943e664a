"""The raw store: content-addressed bodies, and a fetch log that survives a torn line."""
from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.raw import FetchRecord, RawStore


def record(url: str, kind: str = "report", sha: str | None = None, status: int = 200, **extra) -> FetchRecord:
    return FetchRecord(url=url, kind=kind, fetched_at="2024-03-20T08:00:00+00:00", status=status, sha256=sha,
                       issuer="青禾县人民政府", adcode="320999", **extra)


def test_bodies_are_stored_once_under_their_hash(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    sha = store.put(b"<html>report</html>")
    assert sha == hashlib.sha256(b"<html>report</html>").hexdigest()
    path = store.object_path(sha)
    assert path == tmp_path / "objects" / sha[:2] / sha
    mtime = path.stat().st_mtime_ns
    assert store.put(b"<html>report</html>") == sha
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == [sha]  # no temp files left behind


def test_torn_last_line_is_skipped_and_the_next_append_starts_clean(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.append(record("http://a.example/1.html", sha="a" * 64))
    with open(store.log_path, "ab") as log:
        log.write(b'{"url": "http://a.example/2.html", "kind": "rep')  # SIGKILL mid-write
    assert [r.url for r in store.records()] == ["http://a.example/1.html"]
    store.append(record("http://a.example/3.html", sha="c" * 64))
    assert [r.url for r in store.records()] == ["http://a.example/1.html", "http://a.example/3.html"]


def test_latest_views_of_the_log(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.append(record("http://a.example/list.html", kind="listing", sha="1" * 64, etag='"v1"'))
    store.append(record("http://a.example/list.html", kind="listing", status=304, etag='"v1"'))
    assert store.latest_by_url()["http://a.example/list.html"].status == 304
    assert store.latest_stored()["http://a.example/list.html"].sha256 == "1" * 64


def test_snapshots_are_reports_and_attachments_once_per_body(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.append(record("http://a.example/list.html", kind="listing", sha="1" * 64))
    store.append(record("http://a.example/r.html", sha="2" * 64, referrer="http://a.example/list.html",
                        content_type="text/html"))
    store.append(record("http://a.example/copy.html", sha="2" * 64))
    store.append(record("http://a.example/a.pdf", kind="attachment", sha="3" * 64))
    store.append(record("http://a.example/gone.html", status=404, error="http: HTTP 404"))
    docs = store.snapshots()
    assert [doc.url for doc in docs] == ["http://a.example/r.html", "http://a.example/a.pdf"]
    first = docs[0]
    assert first.path == store.object_path("2" * 64)
    assert (first.issuer, first.adcode, first.referrer) == ("青禾县人民政府", "320999", "http://a.example/list.html")
    assert first.fetched_at.tzinfo is not None and first.content_type == "text/html"
