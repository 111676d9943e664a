"""What each table, view and column means is in the warehouse itself (DuckDB COMMENTs, written
once in pipeline/schema_comments.yaml), and docs/warehouse.md and README name what the schema makes."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

import pipeline
from pipeline.store import COMMENTS, connect

ROOT = Path(__file__).resolve().parents[1]
SPEC = yaml.safe_load(COMMENTS.read_text(encoding="utf-8"))
_MAIN = "database_name = current_database() AND schema_name = 'main'"


def _objects(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Every table and view of the warehouse, with its comment."""
    return dict(con.execute(f"""SELECT table_name, comment FROM duckdb_tables() WHERE {_MAIN}
                                UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE {_MAIN} AND NOT internal
                             """).fetchall())


def _columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str | None]:
    return {(t, c): comment for t, c, comment in con.execute(
        f"SELECT table_name, column_name, comment FROM duckdb_columns() WHERE {_MAIN}").fetchall()}


@pytest.fixture(scope="module")
def sample(sample_warehouse: Path):
    con = pipeline.connect(str(sample_warehouse))
    yield con
    con.close()


def test_every_table_view_and_column_has_a_comment(sample) -> None:
    objects, columns = _objects(sample), _columns(sample)
    assert len(objects) >= 20 and len(columns) >= 250
    assert [name for name, comment in objects.items() if not comment] == []
    assert [key for key, comment in columns.items() if not comment] == []


def test_a_column_comment_says_what_it_means_there(sample) -> None:
    columns = _columns(sample)
    assert "元" in columns[("metric_values", "value")]  # the key's unit …
    assert "as printed" in columns[("figures", "value")]  # … the printed number
    assert columns[("check_failures", "value")] != columns[("metric_yoy", "value")]
    assert columns[("metric_yoy", "adcode")] == columns[("reports", "adcode")] == SPEC["columns"]["adcode"]


def test_comments_file_names_only_what_the_schema_makes(sample) -> None:
    objects, columns = _objects(sample), set(_columns(sample))
    assert sorted(set(SPEC["tables"]) - set(objects)) == []
    stale = [(t, c) for t, entry in SPEC["tables"].items() for c in entry.get("columns", {}) if (t, c) not in columns]
    assert stale == []
    unused = [c for c in SPEC["columns"] if not any(column == c for _, column in columns)]
    assert unused == []


def test_views_keep_their_comments_on_the_next_write(sample_warehouse: Path, tmp_path: Path) -> None:
    """Every writing connection recreates the views (which drops their comments) and sets them again."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(sample_warehouse, copy)
    with connect(copy):
        pass
    with duckdb.connect(str(copy), read_only=True) as con:
        assert _columns(con)[("report_series", "is_primary")] == SPEC["columns"]["is_primary"]
        assert _objects(con)["metric_rollup"] == SPEC["tables"]["metric_rollup"]["comment"]


def _sections(text: str) -> dict[str, str]:
    """docs/warehouse.md: the text of each `### name` (or `### a and b`) section, by object name."""
    out = {}
    for match in re.finditer(r"^### ([^\n]+?)(?: — [^\n]*)?\n(.*?)(?=^##|\Z)", text, re.M | re.S):  # heading, body up to the next
        for name in match.group(1).split(" and "):
            out[name.strip()] = match.group(2)
    return out


def test_warehouse_doc_names_every_column(sample) -> None:
    """Each section names its object's columns, or says it has "the columns of `another`" and
    names the rest."""
    sections = _sections((ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8"))
    columns = _columns(sample)

    def named(table: str, column: str) -> bool:
        body = sections[table]
        inherited = re.findall(r"[Tt]he columns of `(\w+)`", body)  # "The columns of `metric_values` plus …"
        return (re.search(rf"(?<![\w.]){re.escape(column)}(?![\w(])", body) is not None  # a word, not part of a key
                or any((other, column) in columns and named(other, column) for other in inherited))

    assert sorted({t for t, _ in columns} - set(sections)) == []
    assert [(t, c) for t, c in sorted(columns) if not named(t, c)] == []


def test_readme_view_table_names_every_view() -> None:
    schema = (ROOT / "pipeline" / "schema.sql").read_text(encoding="utf-8")
    views = re.findall(r"CREATE OR REPLACE VIEW (\w+)", schema)  # every view the schema makes
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(\w+)` \|", readme, re.M))  # first cell of a table row
    assert len(views) >= 11
    assert [v for v in views if v not in rows] == []


def test_nianbao_query_shows_a_comment(sample_warehouse: Path) -> None:
    import os
    import subprocess
    import sys

    script = Path(sys.executable).with_name("nianbao")
    done = subprocess.run([str(script), "query", "-w", str(sample_warehouse), "-f", "csv",
                           "SELECT comment FROM duckdb_columns() WHERE table_name = 'indicators' "
                           "AND column_name = 'grant_rate'"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [SPEC["tables"]["indicators"]["columns"]["grant_rate"]]


def test_warehouse_doc_column_tables_are_generated_from_the_comments() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "tools" / "make_warehouse_doc.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    for name in ("documents", "reports", "figures", "indicators"):
        assert f"<!-- columns: {name} -->" in text
    assert f"| scope | {SPEC['tables']['figures']['columns']['scope']} |" in text


def test_stale_column_table_is_noticed(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_warehouse_doc
    finally:
        sys.path.remove(str(ROOT / "tools"))
    stale = "<!-- columns: runs -->\n| column | meaning |\n| run_id | old words |\n<!-- /columns -->\n"
    fresh = make_warehouse_doc.render(stale)
    assert "old words" not in fresh and f"| status | {SPEC['tables']['runs']['columns']['status']} |" in fresh
    assert make_warehouse_doc.render(fresh) == fresh
