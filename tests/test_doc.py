"""Legacy Word .doc through LibreOffice: the .doc files are made here, by soffice itself, from a
synthetic report's .docx and from a real report's page, and must read to the same table cells
as their originals. Tests that need soffice skip when it is absent (CI installs it)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from fixtures.processes import processes_mentioning, wait_for
from fixtures.reports import Spec, expected_cells, report_docx

from pipeline.limits import DOC_SECONDS
from pipeline.model import DocumentError, SourceDoc
from pipeline.process import Result, process_bytes
from pipeline.read import doc, read_bytes

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real" / "shuyang-fgj-2023.html"
OLE_JUNK = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16


def _installed() -> bool:
    try:
        doc.soffice()
    except DocumentError:
        return False
    return True


needs_soffice = pytest.mark.skipif(not _installed(), reason=f"LibreOffice is not installed (Debian package {doc.PACKAGE}; CI installs it)")


def to_doc(source: Path, infilter: str | None = None) -> bytes:
    """`source` saved as Word 97–2003 by soffice, as an office worker would have saved it."""
    out = source.parent / "doc"
    options = [f"--infilter={infilter}"] if infilter else []
    subprocess.run([doc.soffice(), "--headless", "--norestore", f"-env:UserInstallation={(source.parent / 'profile').as_uri()}",
                    *options, "--convert-to", "doc", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=120)
    return (out / f"{source.stem}.doc").read_bytes()


def processed(data: bytes, name: str) -> Result:
    result = process_bytes(data, SourceDoc(path=Path(name)))
    assert result.error is None, result.error
    return result


def table_cells(result: Result) -> dict:
    return {f.key: f.value for f in result.figures if f.source == "table"}


def facts(result: Result) -> tuple:
    """What the score counts of the document itself, and whether every printed relation holds."""
    info = result.classification
    return info.year, info.adcode, info.format, [c.rule for c in result.checks if c.ok is False]


@needs_soffice
def test_doc_gives_the_cells_of_its_docx_original(tmp_path: Path) -> None:
    original = report_docx(Spec())
    (tmp_path / "report.docx").write_bytes(original)
    converted = to_doc(tmp_path / "report.docx")
    assert converted.startswith(b"\xd0\xcf\x11\xe0")
    got, want = processed(converted, "report.doc"), processed(original, "report.docx")
    assert got.medium == "doc"
    assert table_cells(got) == table_cells(want) == expected_cells(Spec())
    assert (got.classification.title, facts(got)) == (want.classification.title, facts(want))


@needs_soffice
def test_doc_of_a_real_report_gives_the_cells_of_the_page(tmp_path: Path) -> None:
    if not REAL.is_file():
        pytest.skip(f"shared corpus not present: {REAL}")
    page = tmp_path / REAL.name
    shutil.copyfile(REAL, page)
    converted = to_doc(page, infilter="HTML (StarWriter)")  # a page opens in Writer/Web otherwise, which saves no .doc
    got, want = processed(converted, "report.doc"), processed(REAL.read_bytes(), REAL.name)
    assert got.medium == "doc"
    assert len(table_cells(want)) > 100
    assert table_cells(got) == table_cells(want)
    assert facts(got) == facts(want)


def test_missing_soffice_is_one_line_naming_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = process_bytes(OLE_JUNK, SourceDoc(path=Path("report.doc")))
    assert result.error == "legacy Word .doc needs LibreOffice, which is not installed (Debian package libreoffice-writer-nogui)"
    assert result.figures == []


@needs_soffice
def test_corrupt_doc_is_an_error_row_with_its_cause(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """LibreOffice would import junk it cannot identify as text; as a Word file it fails to load."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    started = time.monotonic()
    result = process_bytes(OLE_JUNK, SourceDoc(path=Path("report.doc")))
    assert time.monotonic() - started < DOC_SECONDS.default
    assert result.error == "LibreOffice could not convert this .doc (source file could not be loaded)"
    assert list(tmp_path.iterdir()) == []


def fake_soffice(bin_dir: Path, body: str) -> Path:
    """A stand-in soffice running the Python `body`, alone on a PATH with timeout(1)."""
    bin_dir.mkdir()
    (bin_dir / "timeout").symlink_to(shutil.which("timeout"))
    fake = bin_dir / "soffice"
    fake.write_text(f"#!{sys.executable}\nimport os, signal, time\n{body}\n")
    fake.chmod(0o755)
    return fake


def hanging_soffice(bin_dir: Path) -> Path:
    """One that forks and never ends."""
    return fake_soffice(bin_dir, "os.fork()\ntime.sleep(300)")


@pytest.mark.parametrize(("body", "cause"), [
    ("raise SystemExit(3)", "soffice exited with status 3 and wrote no file"),
    ("os.kill(os.getpid(), signal.SIGSEGV)", "soffice was killed by SIGSEGV"),
])
def test_a_crash_without_a_message_is_named_by_its_status(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          body: str, cause: str) -> None:
    monkeypatch.setenv("PATH", str(fake_soffice(tmp_path / "bin", body).parent))
    with pytest.raises(DocumentError) as err:
        read_bytes(OLE_JUNK, "report.doc")
    assert str(err.value) == f"LibreOffice could not convert this .doc ({cause})"


def kill_all(fake: Path) -> None:
    """A failing run must not leave its stand-ins sleeping."""
    for pid in processes_mentioning(str(fake)):
        os.kill(pid, signal.SIGKILL)


def test_a_hung_conversion_is_killed_with_its_children(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Past the time budget the whole process group goes, the error names the limit, and the
    private directory is removed."""
    fake, scratch = hanging_soffice(tmp_path / "bin"), tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setenv(DOC_SECONDS.env, "1")
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    started = time.monotonic()
    try:
        with pytest.raises(DocumentError) as err:
            read_bytes(OLE_JUNK, "report.doc")
        assert str(err.value) == f"LibreOffice did not finish converting this .doc (limit 1 s; raise it with {DOC_SECONDS.env})"
        assert time.monotonic() - started < 10
        assert wait_for(lambda: not processes_mentioning(str(fake)), 5), processes_mentioning(str(fake))
        assert list(scratch.iterdir()) == []
    finally:
        kill_all(fake)


def test_a_conversion_does_not_outlive_its_reader_by_more_than_the_grace(tmp_path: Path) -> None:
    """A kill -9 of the reading process (a run's worker dies with the run) leaves its
    conversion to timeout(1), which kills the group soon after the budget."""
    fake = hanging_soffice(tmp_path / "bin")
    env = {**os.environ, "PATH": str(fake.parent), DOC_SECONDS.env: "1",
           "TMPDIR": str(tmp_path)}  # a reader killed -9 leaves its directory behind
    code = f"from pipeline.read import read_bytes; read_bytes({OLE_JUNK!r}, 'report.doc')"
    reader = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(processes_mentioning(str(fake))) >= 2, 10)  # soffice forked (or timeout started it)
        reader.kill()
        reader.wait()
        assert processes_mentioning(str(fake))  # orphaned, not killed by the reader
        gone = wait_for(lambda: not processes_mentioning(str(fake)), 1 + doc.ORPHAN_GRACE + 3)
        assert gone, processes_mentioning(str(fake))
    finally:
        kill_all(fake)
