"""Canonical keys for prose figures (narrative_keys.yaml): the label says what is counted,
the unit says how, the scope for which period (only this year's figures take this-year keys). The first figure in reading order takes a key; later repeats stay
unkeyed so one report gives one value per key."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.metrics import narrative_keys
from pipeline.model import Figure


@dataclass(frozen=True)
class KeyRule:
    """What one key of narrative_keys.yaml accepts: a label pattern, a refusal, its units."""

    key: str
    units: frozenset[str]
    accepts: re.Pattern
    refuses: re.Pattern | None
    whole: bool
    scope: str
    parts_refuse: re.Pattern | None  # the accepts of the key named by `not_with_part`

    def takes(self, fig: Figure, label: str, parts: tuple[str, ...] = ()) -> bool:
        """`parts` are the labels of the figure's 其中/含-parts, as key_label reads them."""
        if fig.scope != self.scope or fig.unit not in self.units or (self.whole and fig.part_of is not None):
            return False
        if self.parts_refuse and any(self.parts_refuse.search(part) for part in parts):
            return False
        return bool(self.accepts.search(label)) and not (self.refuses and self.refuses.search(label))


def _pattern(item: dict, field: str) -> re.Pattern | None:
    return re.compile(item[field]) if item.get(field) else None


@lru_cache(maxsize=1)
def key_rules() -> tuple[KeyRule, ...]:
    """The keys of narrative_keys.yaml that say what they accept, in the file's order."""
    items = [item for item in narrative_keys()["keys"] if "accepts" in item]
    accepts = {item["key"]: re.compile(item["accepts"]) for item in items}
    return tuple(KeyRule(item["key"], frozenset(item["units"]), accepts[item["key"]], _pattern(item, "refuses"),
                         bool(item.get("whole")), item.get("scope", "year"), accepts.get(item.get("not_with_part", "")))
                 for item in items)


@lru_cache(maxsize=1)
def _folds() -> tuple[tuple[str, str], ...]:
    return tuple((narrative_keys().get("label_folds") or {}).items())


# Statistics tables and prose name indicators as counts: 行政复议数, 主动公开政府信息的数量, …件数
# (the 件 of 文件数 belongs to 文件).
_COUNT_SUFFIX = re.compile(r"(的)?(总数|数量|(?<!文)件数|条数|数)$|的$")


def key_label(label: str) -> str:
    """The label as the key file's patterns read it: count word dropped, vocabulary folded."""
    label = _COUNT_SUFFIX.sub("", label)
    for old, new in _folds():
        label = label.replace(old, new)
    return label


# 维持原行政行为, 被纠正: the outcome words of a review or lawsuit, without their subject.
_OUTCOME_PARTS = re.compile(r"^(结果维持|结果纠正|其他结果|尚未审结|维持(原(具体)?行政行为)?|被?纠正)$")


def qualify_parts(figures: list[Figure]) -> None:
    """`行政复议351件，其中结果维持72件`, `行政复议结果维持7件、纠正1件`: a bare outcome word
    takes its subject from its parent, or from the figure just before it."""
    for i, fig in enumerate(figures):
        if not _OUTCOME_PARTS.match(fig.label):
            continue
        near = [figures[fig.part_of].label] if fig.part_of is not None else []
        near += [figures[i - 1].label] if i else []
        for label in near:
            subject = next((s for s in ("行政复议", "行政诉讼") if s in label), None)
            if subject:
                fig.label = subject + fig.label
                break


def assign_keys(figures: list[Figure], taken: set[str] | None = None) -> None:
    taken = set() if taken is None else taken
    parts: dict[int, tuple[str, ...]] = {}
    for fig in figures:
        if fig.part_of is not None:
            parts[fig.part_of] = parts.get(fig.part_of, ()) + (key_label(fig.label),)
    for i, fig in enumerate(figures):
        if fig.key or fig.source == "table":
            continue
        label = key_label(fig.label)
        rule = next((r for r in key_rules() if r.key not in taken and r.takes(fig, label, parts.get(i, ()))), None)
        if rule:
            fig.key = rule.key
            taken.add(rule.key)
