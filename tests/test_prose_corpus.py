"""The synthetic prose corpus (tests/data/prose_corpus.yaml): invented sentences in the styles
of county, city, township and department reports of 2008–2018, each with the figures a
researcher codes from it by hand (issue 8, classes 1–9).

Each entry runs through process.py inside a minimal narrative report of its year and
issuer style (the wrapper prints no number), so it is read the way a real prose report is.
An entry passes when every expected figure is found with its value, unit and scope (and its
key, `implicit`, `approx`, parent and label words where the entry gives them), no figure takes a key the
entry does not expect, and no figure's number lies inside one of its `not_figures`.

Entries marked `pending: true` fail on today's extractor: they run as strict xfails, so one
that starts passing fails the suite until someone removes its flag.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

import opencc
import pytest
import yaml
from fixtures.spans import occurrences, overlapping

from pipeline.metrics import cell_labels, narrative_keys
from pipeline.model import Figure, SourceDoc
from pipeline.process import Result, process_bytes

CORPUS = Path(__file__).parent / "data" / "prose_corpus.yaml"
CLASSES = range(1, 10)
SCOPES = {"year", "cumulative", "previous_year", "change", "rate"}
ISSUERS = {"county": "某某县人民政府", "city": "某某市人民政府", "district": "某某区人民政府",
           "township": "某某县某某镇人民政府", "department": "某某县教育局"}
# Headings of a 2008-era outline; they carry no number and no statement of a zero.
_HEADINGS = ["二、主动公开工作", "三、依申请公开办理", "四、收费与减免", "五、行政复议及行政诉讼", "六、不足与改进"]
_TABLE_HEADER = ("统计指标", "单位", "本年度", "历年累计")


@dataclass(frozen=True)
class Expected:
    value: int | float | None
    unit: str | None
    scope: str = "year"
    key: str | None = None
    implicit: bool = False
    approx: bool | None = None  # checked only when the entry says
    part_of: int | float | None = None  # the parent's value, checked only when the entry says
    label: str | None = None  # documentation only
    label_has: tuple[str, ...] = ()  # words the label must contain (simplified), what is counted

    def describe(self) -> str:
        extra = f" key={self.key}" if self.key else ""
        extra += " implicit" if self.implicit else ""
        extra += f" part_of={self.part_of}" if self.part_of is not None else ""
        extra += f" label~{'+'.join(self.label_has)}" if self.label_has else ""
        return f"{self.value}{self.unit or ''} {self.scope}{extra}"


@dataclass(frozen=True)
class Entry:
    id: str
    cls: int
    year: int
    style: str
    text: str
    figures: tuple[Expected, ...]
    table: tuple[tuple[str, ...], ...] = ()
    header: tuple[str, ...] = _TABLE_HEADER
    not_figures: tuple[str, ...] = ()
    traditional: bool = False
    pending: bool = False


def _expected(raw: dict) -> Expected:
    return Expected(**{**raw, "label_has": tuple(raw.get("label_has") or ())})


def _entry(raw: dict) -> Entry:
    return Entry(id=raw["id"], cls=raw["class"], year=raw["year"], style=raw["style"], text=raw["text"],
                 figures=tuple(_expected(f) for f in raw.get("figures") or ()),
                 table=tuple(tuple(str(c) for c in row) for row in raw.get("table") or ()),
                 header=tuple(raw.get("header") or _TABLE_HEADER),
                 not_figures=tuple(raw.get("not_figures") or ()), traditional=raw.get("script") == "traditional",
                 pending=bool(raw.get("pending")))


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    return tuple(_entry(raw) for raw in yaml.safe_load(CORPUS.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t.json")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


def report_page(entry: Entry) -> bytes:
    """A narrative report of the entry's year around its text (and its appendix table)."""
    issuer = ISSUERS[entry.style]
    title = f"{issuer}{entry.year}年政府信息公开工作年度报告"
    wrap = _s2t().convert if entry.traditional else str
    rows = ((tuple(wrap(c) for c in entry.header),) if entry.table else ()) + entry.table
    table = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    body = [f"<p>{escape(wrap(title))}</p>", f"<p>{wrap('一、概述')}</p>", f"<p>{escape(entry.text)}</p>"]
    body += [f"<table>{table}</table>"] if table else []
    body += [f"<p>{wrap(h)}</p>" for h in _HEADINGS]
    page = f"<html><head><title>{escape(wrap(title))}</title></head><body><div id=\"zoom\">{''.join(body)}</div></body></html>"
    return page.encode("utf-8")


@lru_cache(maxsize=None)
def run(entry: Entry) -> Result:
    result = process_bytes(report_page(entry), SourceDoc(path=Path(f"{entry.id}.html")))
    assert result.error is None and result.is_report, (entry.id, result.error)
    return result


def _same_number(a: int | float | None, b: int | float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _key_fits(want: Expected, got: Figure) -> bool:
    """The expected key, or none; a cumulative count may carry a cumulative key of its own
    (issue 8: `proactive.items.cumulative`), never a this-year one."""
    if want.key is not None:
        return got.key == want.key
    return got.key is None or (want.scope == "cumulative" and "cumulative" in got.key)


def _fits(want: Expected, got: Figure, figures: list[Figure]) -> bool:
    if not (_same_number(want.value, got.value) and want.unit == got.unit and want.scope == got.scope
            and want.implicit == got.implicit and _key_fits(want, got)):
        return False
    if want.approx is not None and want.approx != got.approx:
        return False
    if not all(word in (got.label or "") for word in want.label_has):
        return False
    if want.part_of is not None:
        return got.part_of is not None and _same_number(figures[got.part_of].value, want.part_of)
    return True


def problems(entry: Entry) -> list[str]:
    """What the extractor gets wrong on one entry; empty when it codes it as the entry does."""
    result = run(entry)
    figures = result.figures
    prose = [i for i, f in enumerate(figures) if f.source in ("text", "appendix")]
    unused, out = list(prose), []
    for want in entry.figures:
        hit = next((i for i in unused if _fits(want, figures[i], figures)), None)
        if hit is None:
            out.append(f"missing {want.describe()}")
        else:
            unused.remove(hit)
    out += [f"unexpected key {figures[i].key}={figures[i].value}" for i in unused if figures[i].key]
    text = result.document.text
    printed = [(f.start, f.end) for f in figures if not f.implicit and f.value is not None]
    for item in entry.not_figures:
        spans = occurrences(text, _t2s().convert(item))
        if not spans:
            out.append(f"not_figures item {item!r} is not in the text")
        out += [f"{item!r} read as figure {text[s:e]!r}" for s, e in overlapping(spans, printed)]
    if out:
        out.append(f"found: {', '.join(_describe(figures[i], figures) for i in prose) or 'nothing'}")
    return out


def _describe(fig: Figure, figures: list[Figure]) -> str:
    extra = f" {fig.key}" if fig.key else ""
    extra += " implicit" if fig.implicit else ""
    extra += f" part_of={figures[fig.part_of].value}" if fig.part_of is not None else ""
    return f"{fig.value}{fig.unit or ''} {fig.scope}{extra} «{fig.label}»"


def tally() -> str:
    """Per class: entries passing today / entries."""
    passed, total = Counter(), Counter()
    for entry in entries():
        total[entry.cls] += 1
        passed[entry.cls] += not problems(entry)
    return ", ".join(f"class {c}: {passed[c]}/{total[c]}" for c in CLASSES)


def _params() -> list:
    return [pytest.param(e, id=e.id, marks=[pytest.mark.xfail(strict=True, reason="pending extractor work (issue 8)")]
                         if e.pending else []) for e in entries()]


@pytest.mark.parametrize("entry", _params())
def test_entry(entry: Entry) -> None:
    wrong = problems(entry)
    assert wrong == [], f"class {entry.cls} {entry.id}: {'; '.join(wrong)}\npassing per class: {tally()}"


def test_wrapper_alone_prints_no_figure() -> None:
    for style in ISSUERS:
        for traditional in (False, True):
            empty = Entry(id=f"wrapper-{style}", cls=0, year=2012, style=style, text="本年度工作情况如下。",
                          figures=(), traditional=traditional)
            result = run(empty)
            assert result.figures == [], style
            assert (result.classification.year, result.classification.format) == (2012, "narrative")
            assert result.document.script == ("traditional" if traditional else "simplified")


def _documented_keys() -> set[str]:
    return {k["key"] for k in narrative_keys()["keys"]} | set(cell_labels("2021")) | set(cell_labels("2019"))


def test_corpus_is_well_formed() -> None:
    corpus = entries()
    ids = [e.id for e in corpus]
    assert len(ids) == len(set(ids)), "ids must be unique"
    assert len(corpus) >= 90
    assert {e.cls for e in corpus} == set(CLASSES)
    assert sum(e.traditional for e in corpus) >= 8
    assert {e.style for e in corpus} >= {"county", "city", "township", "department"}
    assert all(2008 <= e.year <= 2018 for e in corpus)
    assert all(e.figures or e.not_figures for e in corpus), "an entry must expect something"
    assert all(f.scope in SCOPES for e in corpus for f in e.figures)
    assert all(f.scope == "year" for e in corpus for f in e.figures if f.key), "only this year's figures take keys"
    assert all(f.value == 0 for e in corpus for f in e.figures if f.implicit), "implicit figures are zeros in words"
    assert {f.key for e in corpus for f in e.figures if f.key} <= _documented_keys()
    assert all(e.table for e in corpus if e.cls == 1), "class 1 entries are appendix tables"
    assert all(word in _t2s().convert(e.text) for e in corpus for f in e.figures for word in f.label_has), \
        "label words are words of the sentence"
