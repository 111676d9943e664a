"""The canonical key dictionaries (data files beside this module) and their loader."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
COLUMN_LABELS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
# Money units and their size in 元. Every money key's dictionary unit is 元 (the unit the series
# views give amounts in), whatever unit its table column or a report prints.
CURRENCY = {"元": 1, "万元": 10_000, "亿元": 100_000_000}


@dataclass(frozen=True)
class Relation:
    id: str
    kind: str
    scope: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    operator: str


def cache_dir() -> Path:
    """nianbao's folder under the user's cache (XDG_CACHE_HOME), never the shared temp folder."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nianbao"


def load_data(path: Path) -> dict:
    """A YAML key file, parsed once per version of its text: the parse is kept as JSON under the
    user's cache folder, named by the file's digest, and read from there in milliseconds."""
    text = path.read_bytes()
    cached = cache_dir() / f"{path.stem}-{hashlib.sha256(text).hexdigest()[:16]}.json"
    try:
        return json.loads(cached.read_bytes())
    except (OSError, ValueError):
        pass
    import yaml

    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when built with it
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        partial.replace(cached)  # atomic: a concurrent reader sees the old state or the whole file
    except OSError:
        pass  # no writable cache folder: parse each time
    return data


@lru_cache(maxsize=None)
def load_format(version: str) -> dict:
    """version is '2021' or '2019'."""
    return load_data(HERE / f"standard_metrics_{version}.yaml")


@lru_cache(maxsize=None)
def ocr_rules() -> dict:
    """How OCR's readings are mended and trusted (pipeline/data/ocr.yaml)."""
    return load_data(HERE.parent / "data" / "ocr.yaml")


@lru_cache(maxsize=None)
def narrative_keys() -> dict:
    return load_data(HERE / "narrative_keys.yaml")


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


_PROSE_LABELS = {
    "proactive.items": "主动公开政府信息（条）", "proactive.documents": "主动公开政府文件（件）",
    "requests.outcome.withheld.subtotal.total": "不予公开（小计）/总计", "litigation.total": "行政诉讼（合计）",
    "fees.collected": "实际收取的信息公开费用", "fees.billed": "收费通知金额", "fees.notices": "收费通知件数",
    "consultations.total": "接受咨询", "website.visits": "网站访问量",
}


def _cell_meaning(cell: dict) -> str:
    """Where the cell is printed: section, row path, column path (and the unit's source)."""
    where = " › ".join([cell.get("section", "")] + list(cell.get("row_path") or []) + list(cell.get("column_path") or []))
    return f"{where} ({cell['unit_source']})" if cell.get("unit_source") else where


@lru_cache(maxsize=None)
def cell_units() -> dict[str, str | None]:
    """key → the unit a table cell counts in, from both formats' key files; None where the
    format prints none (采购总金额: each report writes 元 or 万元 in the cell, or nothing)."""
    out: dict[str, str | None] = {}
    for version in ("2019", "2021"):
        for cell in load_format(version)["cells"]:
            out[cell["key"]] = None if cell.get("unit") in (None, "unspecified") else cell["unit"]
    return out


def _series_unit(entry: dict) -> str | None:
    """The unit a key's values are given in: 元 for money (a column printed in 万元, or one whose
    reports write 元 or 万元 themselves), else the count word of the key file."""
    if entry.get("unit") in CURRENCY or entry.get("type") == "money":
        return "元"
    return entry.get("unit")


def dictionary_rows() -> list[dict]:
    """The `metrics` data dictionary: every canonical key of both formats and of prose."""
    rows: dict[str, dict] = {}
    for version in ("2019", "2021"):
        fmt = load_format(version)
        for cell in fmt["cells"]:
            entry = rows.setdefault(cell["key"], {
                "key": cell["key"], "label_zh": cell_labels(version)[cell["key"]], "label_en": _english(cell["key"]),
                "unit": _series_unit(cell), "table": cell.get("table"), "formats": [], "meaning": _cell_meaning(cell)})
            entry["formats"].append(f"std{version}")
    for item in narrative_keys()["keys"]:
        entry = rows.setdefault(item["key"], {"key": item["key"], "label_zh": _PROSE_LABELS.get(item["key"], item["key"]),
                                              "label_en": _english(item["key"]), "unit": _series_unit(item),
                                              "table": "prose", "formats": [], "meaning": item.get("meaning", "")})
        entry["formats"].append("narrative")
        entry["meaning"] = item.get("meaning", entry["meaning"])
    for entry in rows.values():
        entry["formats"] = ",".join(entry["formats"])
    return sorted(rows.values(), key=lambda e: e["key"])


_EN_WORDS = {
    "requests": "Disclosure requests", "new": "received this year", "carried_over": "carried over from last year",
    "carry_forward": "carried forward to next year", "outcome": "outcome", "granted": "disclosed",
    "partial": "partly disclosed", "withheld": "withheld", "unable": "cannot be provided",
    "not_processed": "not processed", "subtotal": "subtotal", "state_secret": "state secret",
    "law_prohibited": "prohibited by other laws", "three_securities_one_stability": "endangers security or stability",
    "third_party_rights": "third-party rights", "internal_affairs": "internal affairs", "process_info": "process information",
    "enforcement_file": "law-enforcement case file", "admin_query": "administrative query matter",
    "not_held": "not held by this body", "needs_creation": "would have to be created",
    "still_unclear": "still unclear after correction", "complaint": "petition or complaint", "repeat": "repeated request",
    "publication": "asks for publications", "mass_repeat": "mass repeated requests", "confirm_reissue": "asks to confirm or reissue",
    "no_correction": "not corrected in time", "unpaid_fee": "fee not paid in time",
    "natural_person": "natural persons", "commercial": "commercial enterprises", "research": "research institutions",
    "social_welfare": "public-welfare organisations", "legal_services": "legal service organisations",
    "other_org": "other organisations", "org_subtotal": "all organisations", "total": "total", "other": "other",
    "review": "Administrative reconsideration", "litigation": "Administrative litigation", "direct": "without reconsideration",
    "after_review": "after reconsideration", "upheld": "upheld", "corrected": "corrected", "pending": "pending",
    "proactive": "Proactive disclosure", "regulations": "regulations", "normative_docs": "normative documents",
    "licensing": "administrative licensing", "penalty": "administrative penalties", "coercion": "administrative coercion",
    "admin_fees": "administrative fees", "other_mgmt_services": "other management services",
    "central_procurement": "central procurement", "issued": "issued this year", "repealed": "repealed this year",
    "in_force": "in force", "decisions": "decisions this year", "amount": "amount", "new_made": "made this year",
    "new_published": "published this year", "total_published": "published in total", "prev_year_items": "items last year",
    "change": "change in items", "projects": "projects", "items": "items", "documents": "documents",
    "fees": "Disclosure fees", "collected": "collected", "billed": "billed", "notices": "notices issued",
    "consultations": "Enquiries", "website": "Website", "visits": "visits",
}


def _english(key: str) -> str:
    """An English label built from the key's parts: review.upheld → Administrative reconsideration: upheld."""
    head, *rest = key.split(".")
    words = [_EN_WORDS.get(part, part.replace("_", " ")) for part in rest]
    return f"{_EN_WORDS.get(head, head)}: {', '.join(words)}" if words else _EN_WORDS.get(head, head)
