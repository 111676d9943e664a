"""Legacy Word .doc (an OLE compound file) through LibreOffice headless: the bytes are
converted to .docx in a private temporary directory, with a throw-away profile, and read by
the .docx reader. The result keeps medium "doc" so users can tell it was converted."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from pipeline.limits import DOC_SECONDS
from pipeline.model import DocumentError, RawDocument
from pipeline.read import docx

PACKAGE = "libreoffice-writer-nogui"  # the Debian package with soffice and the Word filters, no GUI
_BINARIES = ("soffice", "libreoffice")
# Forced, because LibreOffice opens a file it cannot type-detect as plain text and "converts"
# the junk; forcing the Word 97–2003 import makes a damaged file a load failure instead.
# Word 6/95 files (a different filter) are refused by it.
_IMPORT_FILTER = "MS Word 97"
_REAPED = 2.0  # seconds to wait for a killed conversion's processes to go before its files are removed
# coreutils timeout(1) kills the whole group this long past the budget, even when the reader is
# gone (a kill -9 of the run takes its workers, but their conversions would outlive them).
ORPHAN_GRACE = 5


def soffice() -> str:
    """The LibreOffice executable on PATH."""
    return _installed(_BINARIES, "LibreOffice", PACKAGE)


def _installed(names: tuple[str, ...], what: str, package: str) -> str:
    for name in names:
        if path := shutil.which(name):
            return path
    raise DocumentError(f"legacy Word .doc needs {what}, which is not installed (Debian package {package})")


def read(data: bytes) -> RawDocument:
    return replace(docx.read(to_docx(data)), medium="doc")


def to_docx(data: bytes) -> bytes:
    """The .docx LibreOffice makes of `data`, within the per-document time budget."""
    binary = soffice()
    bound = [_installed(("timeout",), "timeout", "coreutils"), "--signal=KILL", str(DOC_SECONDS.value() + ORPHAN_GRACE)]
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        work = Path(tmp)
        source, out = work / "report.doc", work / "out"
        source.write_bytes(data)
        done = _convert([*bound, binary, "--headless", "--norestore", f"-env:UserInstallation={(work / 'profile').as_uri()}",
                           f"--infilter={_IMPORT_FILTER}", "--convert-to", "docx", "--outdir", str(out), str(source)])
        converted = out / "report.docx"
        if not converted.is_file():
            raise DocumentError(f"LibreOffice could not convert this .doc ({_cause(done)})")
        return converted.read_bytes()


def _convert(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a conversion in a process group of its own (soffice forks): its status and what it
    printed. The whole group is killed when it ends, times out or is interrupted (the
    per-document alarm of a run's worker)."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=DOC_SECONDS.value())
    except subprocess.TimeoutExpired:
        raise DocumentError(DOC_SECONDS.exceeded("LibreOffice did not finish converting this .doc")) from None
    finally:
        _kill_group(process)
    return subprocess.CompletedProcess(command, process.returncode, output.decode(errors="replace"))


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the conversion's process group and wait (briefly) until it is gone. The group id
    stays reserved while any member lives, so killing it after the leader was reaped is safe."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    deadline = time.monotonic() + _REAPED
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _cause(done: subprocess.CompletedProcess[str]) -> str:
    """soffice exits 0 even when it fails to load a file; its "Error: …" line says why. Without
    one, it crashed or was killed (a memory limit, say): its status says how."""
    errors = [line.removeprefix("Error:").strip() for line in done.stdout.splitlines() if line.startswith("Error:")]
    if errors:
        return errors[-1]
    if done.returncode < 0:
        return f"soffice was killed by {signal.Signals(-done.returncode).name}"
    return f"soffice exited with status {done.returncode} and wrote no file"
