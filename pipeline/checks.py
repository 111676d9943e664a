"""check: every within-report relation of the key dictionaries, plus prose-vs-table and
part-of sums in prose. Null handling follows the YAML: a relation whose single-key side is
blank, or whose multi-key side is all blank, cannot be assessed (ok = None)."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Iterator

from pipeline.metrics import Relation, cell_labels, narrative_keys, relations
from pipeline.model import Check, Figure

_LEAF = re.compile(r"^requests\.outcome\.(\w+)\.(\w+)\.(\w+)$")
_PROSE_TABLE = {"litigation.total": ("litigation.direct.total", "litigation.after_review.total"),
                "requests.outcome.withheld.subtotal.total": tuple(
                    f"requests.outcome.withheld.{r}.total" for r in ("state_secret", "law_prohibited",
                    "three_securities_one_stability", "third_party_rights", "internal_affairs", "process_info",
                    "enforcement_file", "admin_query"))}
_NARRATIVE_KIND = "commonly_expected"  # a prose repeat that disagrees is worth flagging, not fatal
_VERSIONS = {"std2019": "2019", "std2021": "2021"}  # format → its key file


@lru_cache(maxsize=None)
def _terms(keys: tuple[str, ...]) -> tuple[tuple[int, str, str | None], ...]:
    """Each key of a side read once (tables are checked for every reading tried): its sign,
    the key, and the group subtotal that may stand in for it when it is a missing leaf."""
    terms = []
    for key in keys:
        sign = -1 if key.startswith("-") else 1
        key = key.lstrip("-")
        leaf = _LEAF.match(key)
        terms.append((sign, key, f"requests.outcome.{leaf.group(1)}.subtotal.{leaf.group(3)}" if leaf else None))
    return tuple(terms)


_ABSENT = object()  # a side naming a key the reading does not have: the table or row was not printed


def _side(keys: tuple[str, ...], values: dict) -> float | None | object:
    """One side's value, a printed group subtotal standing in for its missing leaves: None when
    blank (a single key blank, or every key of a sum blank), _ABSENT when a key is absent."""
    total = None
    used_subtotals: set[str] = set()
    for sign, key, sub in _terms(keys):
        if key in values:
            value = values[key]
            value = None if value is None else sign * value
        elif sub and sub in values:
            if sub in used_subtotals:
                continue
            used_subtotals.add(sub)
            value = values[sub]
        else:
            return _ABSENT
        if value is not None:
            total = value if total is None else total + value
    return total


@lru_cache(maxsize=None)
def _within_report(version: str, kind: str | None = None) -> tuple[Relation, ...]:
    """The version's within-report relations, of one kind or all."""
    return tuple(r for r in relations(version) if r.scope == "within_report" and kind in (None, r.kind))


def _assessed(values: dict, rels: tuple[Relation, ...],
              unknown: frozenset[str]) -> Iterator[tuple[Relation, float | None, float | None, bool | None]]:
    """Each relation whose keys the values have, with its two sides and whether it holds."""
    for rel in rels:
        left, right = _side(rel.lhs, values), _side(rel.rhs, values)
        if left is _ABSENT or right is _ABSENT:
            continue
        if left is None or right is None or (unknown and any(k.lstrip("-") in unknown for k in rel.lhs + rel.rhs)):
            ok = None
        elif rel.operator == "<=":
            ok = left <= right + 1e-9
        else:
            ok = math.isclose(left, right, abs_tol=1e-6)
        yield rel, left, right, ok


def evaluate(values: dict, version: str, unknown: frozenset[str] = frozenset()) -> list[Check]:
    """The within-report relations over the table values; one over an `unknown` key (a cell OCR
    could not read) is not assessed, as its sum would count the unread cell as blank."""
    return [Check(rule=rel.id, kind=rel.kind, ok=ok, lhs=left, rhs=right)
            for rel, left, right, ok in _assessed(values, _within_report(version), unknown)]


def count_failures(values: dict, version: str, kind: str) -> int:
    """How many relations of one kind the values break (a table reading is judged by this)."""
    return sum(ok is False for *_, ok in _assessed(values, _within_report(version, kind), frozenset()))


def prose_checks(figures: list[Figure]) -> list[Check]:
    """Section 一 repeats table figures; disagreement is worth flagging, not fatal."""
    table = {f.key: f.value for f in figures if f.source == "table" and f.key}
    checks = []
    for fig in figures:
        if fig.source != "text" or not fig.key or fig.implicit or fig.value is None:
            continue
        parts = _PROSE_TABLE.get(fig.key, (fig.key,))
        if not all(p in table for p in parts) or any(table[p] is None for p in parts):
            continue
        printed = sum(table[p] for p in parts)
        checks.append(Check(rule=f"narrative.{fig.key}", kind=_NARRATIVE_KIND,
                            ok=math.isclose(fig.value, printed), lhs=fig.value, rhs=printed))
    return checks


def part_sum_checks(figures: list[Figure]) -> list[Check]:
    """`351个，其中行政机关117个，事业单位234个`: the parts should add up to the total."""
    parts: dict[int, list[Figure]] = {}
    for fig in figures:
        if fig.part_of is not None:
            parts.setdefault(fig.part_of, []).append(fig)
    checks = []
    for parent_index, items in parts.items():
        parent = figures[parent_index]
        if len(items) < 2 or parent.value is None:
            continue
        total = sum(f.value for f in items if f.value is not None)
        # Parts short of the total are often a selection (其中政策文件…、政策解读…), so that
        # is only a heuristic failure; parts beyond the total are a real inconsistency.
        kind = "heuristic" if total < parent.value else "commonly_expected"
        checks.append(Check(rule=f"text.part_sum.{parent.label}", kind=kind,
                            ok=math.isclose(total, parent.value), lhs=parent.value, rhs=total))
    return checks


# Cells each standard table prints (report-format.md): table 三 with one （六） row or three.
_TABLE_CELLS = {"std2021": {"proactive": (10,), "requests": (161, 175), "review": (15,)},
                "std2019": {"proactive": (22,), "requests": (161,), "review": (15,)}}


# Cells the parser derives rather than reads: group subtotals, and （六）'s subtotal where its
# three sub-rows are printed.
_DERIVED = re.compile(r"\.(withheld|unable|not_processed)\.subtotal\.|org_subtotal$")
_DERIVED_WITH_OTHER = re.compile(_DERIVED.pattern + r"|\.other\.subtotal\.")
_OTHER_LEAF = re.compile(r"\.other\.(no_correction|unpaid_fee|other)\.")  # （六） printed as three sub-rows


def completeness_checks(figures: list[Figure], fmt: str) -> list[Check]:
    """Whether each standard table was read whole: a missing or partial table is flagged, so an
    analyst sees it in report_quality instead of silently missing numbers."""
    keys = {f.key for f in figures if f.source == "table" and f.key}
    derived = _DERIVED_WITH_OTHER if any(_OTHER_LEAF.search(k) for k in keys) else _DERIVED
    printed = {k for k in keys if not derived.search(k)}
    checks = []
    for table, sizes in _TABLE_CELLS.get(fmt, {}).items():
        prefixes = ("litigation.", "review.") if table == "review" else (f"{table}.",)
        read = sum(1 for k in printed if k.startswith(prefixes))
        expected = min(sizes, key=lambda n: abs(n - read))
        checks.append(Check(rule=f"table.{table}.complete", kind="commonly_expected",
                            ok=read == expected, lhs=read, rhs=expected))
    return checks


def relation_terms() -> list[dict]:
    """The terms of every relation with fixed terms that a report of a standard format is checked
    against, one row each (the warehouse table `relation_terms`): the YAML relations, and
    narrative.<key> (a prose figure, lhs, against the table cells it repeats, rhs). The figures
    of text.part_sum.* are linked by figures.part_of instead; table.*.complete has none."""
    rows: list[dict] = []

    def add(fmt: str, rule: str, kind: str, side: str, keys: tuple[str, ...], source: str) -> None:
        rows.extend({"format": fmt, "rule": rule, "kind": kind, "side": side, "position": i,
                     "key": key.lstrip("-"), "sign": -1 if key.startswith("-") else 1, "source": source}
                    for i, key in enumerate(keys))

    for fmt, version in _VERSIONS.items():
        for rel in relations(version):
            if rel.scope == "within_report":
                add(fmt, rel.id, rel.kind, "lhs", rel.lhs, "table")
                add(fmt, rel.id, rel.kind, "rhs", rel.rhs, "table")
        cells = cell_labels(version)
        for item in narrative_keys()["keys"]:
            parts = _PROSE_TABLE.get(item["key"], (item["key"],))
            if all(part in cells for part in parts):
                add(fmt, f"narrative.{item['key']}", _NARRATIVE_KIND, "lhs", (item["key"],), "text")
                add(fmt, f"narrative.{item['key']}", _NARRATIVE_KIND, "rhs", parts, "table")
    return rows


def check_document(figures: list[Figure], fmt: str) -> list[Check]:
    values = {f.key: f.value for f in figures if f.source == "table" and f.key}
    unknown = frozenset(f.key for f in figures if f.source == "table" and f.key and f.value is None
                        and f.ocr_confidence == 0)
    version = _VERSIONS.get(fmt, "2021")
    table_checks = evaluate(values, version, unknown) if values else []
    return table_checks + completeness_checks(figures, fmt) + prose_checks(figures) + part_sum_checks(figures)
