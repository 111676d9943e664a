"""Fill the column tables of docs/warehouse.md from pipeline/schema_comments.yaml, the file the
warehouse's COMMENTs come from, so the document and `duckdb_columns()` say the same.

    python tools/make_warehouse_doc.py           # rewrite the tables in place
    python tools/make_warehouse_doc.py --check   # exit 1 if the committed file is stale

A table is generated between `<!-- columns: NAME -->` and `<!-- /columns -->`, one row per
column of NAME in the schema's order.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.store import COMMENTS, SCHEMA  # noqa: E402

DOC = ROOT / "docs" / "warehouse.md"
# A generated block: its opening marker names the table or view, its body is replaced.
_BLOCK = re.compile(r"(<!-- columns: (\w+) -->\n)(.*?)(<!-- /columns -->)", re.S)


def schema_columns() -> dict[str, list[str]]:
    """Column names of every table and view the schema makes, in order (an empty in-memory warehouse)."""
    con = duckdb.connect()
    try:
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        rows = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'memory' "
                           "AND schema_name = 'main' ORDER BY table_name, column_index").fetchall()
    finally:
        con.close()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def column_table(name: str, columns: list[str], spec: dict) -> str:
    own = spec["tables"].get(name, {}).get("columns", {})
    lines = ["| column | meaning |", "|---|---|"]
    lines += [f"| {column} | {(own.get(column) or spec['columns'][column]).replace('|', '/')} |" for column in columns]
    return "\n".join(lines) + "\n"


def render(text: str) -> str:
    spec = yaml.safe_load(COMMENTS.read_text(encoding="utf-8"))
    columns = schema_columns()
    return _BLOCK.sub(lambda m: m.group(1) + column_table(m.group(2), columns[m.group(2)], spec) + m.group(4), text)


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if current != wanted:
            print(f"{DOC}: column tables are stale; run python tools/make_warehouse_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
