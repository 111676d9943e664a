"""A researcher's folder of good reports mixed with every hostile input (tests/fixtures/hostile.py):
one `nianbao run` stores every good document, makes every bad one an error row naming its
cause, and exits 1 without a traceback. (bench/hostile_run.py times the 60-report version.)"""
from __future__ import annotations

from pathlib import Path

import duckdb
from fixtures.hostile import good_reports, hostile_documents, write_corpus
from test_cli import error_lines, nianbao

GOOD = 6
CAUSES = {  # file → what its error row must say
    "deep.html": None,  # read in bounded time: stored (a non-report), no error
    "bomb.docx": "NIANBAO_MAX_DOCX_MB",
    "bomb.html.gz": "NIANBAO_MAX_FILE_MB",
    "huge.pdf": "NIANBAO_MAX_PDF_PAGES",
}


def test_mixed_folder_run(tmp_path: Path) -> None:
    folder, warehouse = tmp_path / "docs", tmp_path / "w.duckdb"
    write_corpus(folder, good=GOOD)
    proc = nianbao("run", str(folder), "--warehouse", str(warehouse), "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == sum(1 for cause in CAUSES.values() if cause)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        errors = dict(con.execute("SELECT regexp_extract(path, '[^/]+$'), reason FROM errors").fetchall())
        reports = {name for (name,) in con.execute(
            "SELECT regexp_extract(p.path, '[^/]+$') FROM reports r JOIN document_paths p USING (doc_id)").fetchall()}
        documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    for name, cause in CAUSES.items():
        assert (cause in errors.get(name, "")) if cause else name not in errors, (name, errors.get(name))
    assert set(good_reports(GOOD)) <= reports
    assert {"twin.pdf", "twin copy.pdf", "twin (1).pdf", "gbk-no-charset.html"} <= reports
    assert documents == GOOD + len(hostile_documents()) - 2  # the three twins are one document
