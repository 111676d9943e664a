"""The real reports in ../shared/corpus against the gold files in ../shared/eval/gold.

Test data only: the documents are read from the shared folder (never copied here) and the
tests skip when it is absent. Only figures and labels of the gold files appear below.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from fixtures.spans import occurrences, overlapping

from pipeline.numbers import parse_number
from pipeline.process import process_path, to_contract

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = SHARED / "eval" / "gold"

DOCUMENTS = {
    "hongze-2023": "real/hongze-2023.pdf",
    "hongze-2024": "real/hongze-2024.pdf",
    "huaian-2024": "real/huaian-2024.pdf",
    "shuyang-fgj-2023": "real/shuyang-fgj-2023.html",
    "zengdu-2016": "seed/zengdu-2016.txt",
}


def _require(stem: str) -> tuple[Path, Path]:
    path, gold = CORPUS / DOCUMENTS[stem], GOLD / f"{stem}.json"
    if not path.is_file():
        pytest.skip(f"shared corpus not present: {path}")
    if not gold.is_file():
        pytest.skip(f"shared corpus not present: gold file {gold}")
    return path, gold


@lru_cache(maxsize=None)
def _processed(stem: str):
    path, gold = _require(stem)
    result = process_path(path)
    assert result.error is None, f"{stem}: {result.error}"
    return result, to_contract(result), json.loads(gold.read_text(encoding="utf-8"))


def extracted(stem: str) -> tuple[dict, dict]:
    _, payload, gold = _processed(stem)
    return payload, gold


STEMS = list(DOCUMENTS)


@pytest.mark.parametrize("stem", STEMS)
def test_document_fields(stem: str) -> None:
    payload, gold = extracted(stem)
    doc = payload["document"]
    assert doc["is_report"]
    assert (doc["year"], doc["adcode"], doc["format"], doc["script"]) == (
        gold["year"], gold["adcode"], gold["format"], gold["script"])


@pytest.mark.parametrize("stem", STEMS)
def test_title(stem: str) -> None:
    payload, gold = extracted(stem)
    assert payload["document"]["title"] == gold["title"]


@pytest.mark.parametrize("stem", STEMS)
def test_every_gold_cell(stem: str) -> None:
    payload, gold = extracted(stem)
    cells = {f["key"]: f["value"] for f in payload["figures"] if f["source"] == "table" and f["key"]}
    wrong = {key: (value, cells.get(key, "missing")) for key, value in gold["cells"].items()
             if key not in cells or cells[key] != value or (cells[key] is None) != (value is None)}
    assert wrong == {}
    assert set(cells) == set(gold["cells"])  # nothing the report does not print


@pytest.mark.parametrize("stem", STEMS)
def test_figure_offsets(stem: str) -> None:
    result, payload, _ = _processed(stem)
    text = result.document.text
    bad = []
    for fig in payload["figures"]:
        if fig["implicit"] or fig["value"] is None:
            continue
        printed = text[fig["start"]:fig["end"]]
        if parse_number(printed.replace(" ", "")) != fig["value"]:
            bad.append((fig["label"], fig["value"], printed))
    assert bad == []


@pytest.mark.parametrize("stem", STEMS)
def test_gold_keyed_prose_figures(stem: str) -> None:
    payload, gold = extracted(stem)
    prose = {}
    for fig in payload["figures"]:
        if fig["source"] == "text" and fig["key"]:
            prose.setdefault(fig["key"], fig["value"])
    want = {g["key"]: g["value"] for g in gold["figures"] if g.get("key")}
    assert {k: prose.get(k) for k in want} == want


@pytest.mark.parametrize("stem", STEMS)
def test_gold_not_figures(stem: str) -> None:
    """The printed strings the gold lists as *not* figures (dates, addresses, postcodes, phone
    and document numbers, ordinals): no extracted figure's number lies inside one. Items the
    reader drops with the page chrome (shuyang's 索引号 block) are not in the text, so no
    figure can point at them; at least one item must be in the text for the check to bite."""
    result, payload, gold = _processed(stem)
    items = gold.get("not_figures", [])
    if not items:
        pytest.skip(f"{stem}: the gold lists no non-figures")
    text = result.document.text
    spans = {item: found for item in items if (found := occurrences(text, item))}
    assert spans, f"{stem}: none of the gold non-figures is in the normalized text"
    printed = [(f["start"], f["end"]) for f in payload["figures"] if not f["implicit"] and f["value"] is not None]
    read_as_figures = {item: [text[s:e] for s, e in overlapping(found, printed)] for item, found in spans.items()}
    assert {item: hits for item, hits in read_as_figures.items() if hits} == {}


def test_hongze_2023_flags_its_inconsistent_table_four() -> None:
    payload, gold = extracted("hongze-2023")
    failing = {c["rule"]: (c["lhs"], c["rhs"]) for c in payload["checks"] if c["kind"] == "definitional" and c["ok"] is False}
    assert failing == {"review.sum": (0, 11), "litigation.after_review.sum": (0, 5)}
    assert set(failing) == {r["id"] for r in gold["relations_failing"]}


@pytest.mark.parametrize("stem", ["hongze-2024", "huaian-2024", "shuyang-fgj-2023"])
def test_consistent_reports_pass_every_definitional_check(stem: str) -> None:
    payload, gold = extracted(stem)
    definitional = [c for c in payload["checks"] if c["kind"] == "definitional"]
    assert len(definitional) >= gold["relations_checked"] - gold.get("relations_skipped", 0)
    assert [c["rule"] for c in definitional if c["ok"] is False] == []


def test_shuyang_blank_org_columns_are_null() -> None:
    payload, _ = extracted("shuyang-fgj-2023")
    cells = {f["key"]: f["value"] for f in payload["figures"] if f["source"] == "table" and f["key"]}
    org = [k for k in cells if k.startswith("requests.") and k.rsplit(".", 1)[1] in (
        "commercial", "research", "social_welfare", "legal_services", "other_org")]
    assert len(org) == 125
    assert all(cells[k] is None for k in org)


def test_hongze_2024_prose_table_mismatch_flagged() -> None:
    payload, _ = extracted("hongze-2024")
    narrative = {c["rule"]: c for c in payload["checks"] if c["rule"] == "narrative.requests.new.total"}
    check = narrative["narrative.requests.new.total"]
    assert (check["ok"], check["lhs"], check["rhs"], check["kind"]) == (False, 17, 95, "commonly_expected")
