"""The canonical key dictionaries (data files beside this module) and their loader."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent
COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
COLUMN_LABELS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


@dataclass(frozen=True)
class Relation:
    id: str
    kind: str
    scope: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    operator: str


@lru_cache(maxsize=None)
def load_format(version: str) -> dict:
    """version is '2021' or '2019'."""
    return yaml.safe_load((HERE / f"standard_metrics_{version}.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def narrative_keys() -> dict:
    return yaml.safe_load((HERE / "narrative_keys.yaml").read_text(encoding="utf-8"))


def request_rows(version: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(row key, printed label, parent labels) of table 三, in printed order."""
    return [(r["key"], r["label"], tuple(r.get("parents") or ())) for r in load_format(version)["rows_requests"]]


@lru_cache(maxsize=None)
def relations(version: str) -> tuple[Relation, ...]:
    return tuple(Relation(r["id"], r["kind"], r["scope"], tuple(r["lhs"]), tuple(r["rhs"]), r.get("operator", "=="))
                 for r in load_format(version)["relations"])


@lru_cache(maxsize=None)
def cell_labels(version: str) -> dict[str, str]:
    """key → 'row label/column label', the label a table figure carries."""
    out = {}
    fmt = load_format(version)
    for cell in fmt["cells"] + fmt.get("derived", []):
        row = cell.get("row_label") or "/".join(cell.get("column_path", [])[:-1])
        col = cell.get("column_label") or ""
        out[cell["key"]] = f"{row}/{col}".strip("/") if col else (cell.get("label") or cell["key"])
    return out


def dictionary_rows() -> list[dict]:
    """The `metrics` data dictionary: every canonical key of both formats and of prose."""
    rows: dict[str, dict] = {}
    for version in ("2019", "2021"):
        fmt = load_format(version)
        for cell in fmt["cells"]:
            entry = rows.setdefault(cell["key"], {
                "key": cell["key"], "label_zh": cell_labels(version)[cell["key"]], "label_en": _english(cell["key"]),
                "unit": cell.get("unit"), "table": cell.get("table"), "formats": [], "meaning": cell.get("unit_source", "")})
            entry["formats"].append(f"std{version}")
    for item in narrative_keys()["keys"]:
        entry = rows.setdefault(item["key"], {"key": item["key"], "label_zh": (item.get("phrasings") or [item["key"]])[0],
                                              "label_en": _english(item["key"]), "unit": item.get("unit"),
                                              "table": "prose", "formats": [], "meaning": item.get("meaning", "")})
        entry["formats"].append("narrative")
        entry["meaning"] = item.get("meaning", entry["meaning"])
    for entry in rows.values():
        entry["formats"] = ",".join(entry["formats"])
    return sorted(rows.values(), key=lambda e: e["key"])


def _english(key: str) -> str:
    return key.replace(".", " / ").replace("_", " ")
