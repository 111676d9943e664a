"""docs/: the generated data dictionary is current, and every SQL example runs."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
_SQL = re.compile(r"^```sql\n(.*?)^```", re.S | re.M)
MAY_BE_EMPTY = "-- may return no rows"


def _blocks() -> list[tuple[str, int, str]]:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in _SQL.finditer(text):
            out.append((doc.name, text[:m.start()].count("\n") + 1, m.group(1)))
    return out


def test_data_dictionary_is_up_to_date():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_data_dictionary
    finally:
        sys.path.remove(str(ROOT / "tools"))
    committed = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert committed == make_data_dictionary.render(), "run: python tools/make_data_dictionary.py"


def test_data_dictionary_check_mode_exits_zero():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "make_data_dictionary.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_data_dictionary_lists_every_key():
    from pipeline.metrics import dictionary_rows

    text = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert all(f"| `{row['key']}` |" in text for row in dictionary_rows())


def test_warehouse_doc_covers_every_table_and_view(sample_warehouse):
    text = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    con = pipeline.connect(str(sample_warehouse))
    try:
        names = [n for (n,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    finally:
        con.close()
    missing = [n for n in names if f"### {n}" not in text and f"`{n}`" not in text]
    assert not missing, f"not documented in docs/warehouse.md: {missing}"


def test_docs_have_sql_examples():
    assert len([b for b in _blocks() if b[0] == "warehouse.md"]) >= 15


@pytest.mark.parametrize("doc,line,sql", _blocks(), ids=[f"{d}:{n}" for d, n, _ in _blocks()])
def test_sql_example_runs(sample_warehouse, doc, line, sql):
    con = pipeline.connect(str(sample_warehouse))
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    if MAY_BE_EMPTY not in sql:
        assert rows, f"{doc}:{line} returned no rows on the sample warehouse"
