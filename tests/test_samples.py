"""The bundled samples end to end: what `nianbao run` with no arguments must produce."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

EXPECTED = json.loads((Path(__file__).parent / "data" / "samples_expected.json").read_text(encoding="utf-8"))
REPORTS = [e for e in EXPECTED if e["is_report"]]


@pytest.fixture(scope="module")
def con(sample_warehouse: Path):
    connection = duckdb.connect(str(sample_warehouse), read_only=True)
    yield connection
    connection.close()


def _report(con, name: str) -> dict | None:
    rows = con.execute("""SELECT r.report_id, r.year, r.adcode, r.format, r.script, d.encoding
                          FROM reports r JOIN documents d USING (doc_id) WHERE d.path LIKE ?""", [f"%/{name}"]).fetchall()
    if not rows:
        return None
    keys = ("report_id", "year", "adcode", "format", "script", "encoding")
    return dict(zip(keys, rows[0]))


@pytest.mark.parametrize("sample", REPORTS, ids=[e["file"] for e in REPORTS])
def test_every_report_sample_is_a_report_with_its_facts(con, sample: dict) -> None:
    got = _report(con, sample["file"])
    assert got is not None, f"{sample['file']} is not in reports"
    assert (got["year"], got["adcode"], got["format"], got["script"]) == (
        sample["year"], sample["adcode"], sample["format"], sample["script"])
    assert got["encoding"] == sample["encoding"]


@pytest.mark.parametrize("sample", REPORTS, ids=[e["file"] for e in REPORTS])
def test_every_expected_figure_is_extracted_under_its_key(con, sample: dict) -> None:
    report_id = _report(con, sample["file"])["report_id"]
    values: dict[str, list] = {}
    for key, value in con.execute("SELECT key, value FROM figures WHERE report_id = ? AND key IS NOT NULL",
                                  [report_id]).fetchall():
        values.setdefault(key, []).append(value)
    missing = {k: v for k, v in sample["figures"].items()
               if not any((v is None and x is None) or (v is not None and x is not None and abs(x - v) < 1e-6)
                          for x in values.get(k, []))}
    assert not missing, missing


def test_samples_hold_every_definitional_relation(con) -> None:
    failing = con.execute("""SELECT d.path, c.rule FROM checks c JOIN reports r USING (report_id)
                             JOIN documents d USING (doc_id) WHERE c.kind = 'definitional' AND c.ok = false""").fetchall()
    assert failing == []


def test_notice_is_stored_but_not_a_report(con) -> None:
    assert con.execute("SELECT count(*) FROM documents WHERE path LIKE '%notice-2023-nianbao.html'").fetchall()[0][0] == 1
    assert _report(con, "notice-2023-nianbao.html") is None


def test_broken_file_is_an_error_with_its_reason(con) -> None:
    rows = con.execute("SELECT reason FROM errors WHERE path LIKE '%broken-truncated.html'").fetchall()
    assert len(rows) == 1 and "corrupt" in rows[0][0]
    assert _report(con, "broken-truncated.html") is None
