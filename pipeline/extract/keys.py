"""Canonical keys for prose figures (narrative_keys.yaml): the label says what is counted,
the unit says how. The first figure in reading order takes a key; later repeats stay
unkeyed so one report gives one value per key."""
from __future__ import annotations

import re

from pipeline.model import Figure

# (key, label pattern, label exclusion, units). Order matters: specific before general.
RULES: list[tuple[str, str, str, set[str]]] = [
    ("requests.carried_over.total", r"上年度?结转|上年度?遗留", r"$^", {"件", "条", "项"}),
    ("requests.carry_forward.total", r"结转(到|至)?下一?年|顺延(到|至)下一?年|转入下一?年|^尚(有|在)?.{0,8}(办理|答复期限)",
     r"$^", {"件", "条", "项"}),
    ("requests.new.total", r"(受理|收到|办理|新收|接收|共收到).{0,12}(申请|依申请)|依申请公开.{0,6}(事项|申请)|^(政府信息公开)?申请(总数)?$",
     r"其中|当面|网上|信函|传真|邮件|上年|结转|答复|办结|咨询|复议|诉讼", {"件", "条", "项", "起"}),
    ("requests.outcome.total.total", r"^(申请)?(答复|办结|已答复|已办结|均已答复|予以答复)|^对申请的答复", r"按时|延期", {"件", "条", "项"}),
    ("requests.outcome.granted.total", r"^(同意公开|予以公开|已公开)", r"部分", {"件", "条", "项"}),
    ("requests.outcome.partial.total", r"部分公开", r"$^", {"件", "条", "项"}),
    ("requests.outcome.withheld.subtotal.total", r"^(不予公开|不同意公开)", r"$^", {"件", "条", "项"}),
    ("requests.outcome.unable.not_held.total", r"信息不存在|不掌握|非本(行政)?机关掌握|非本部门掌握", r"$^", {"件", "条", "项"}),
    ("review.upheld", r"^行政复议(结果)?维持$", r"$^", {"件", "起"}),
    ("review.corrected", r"^行政复议(结果)?纠正$", r"$^", {"件", "起"}),
    ("review.other", r"^行政复议其他(结果)?$", r"$^", {"件", "起"}),
    ("review.pending", r"^行政复议尚未审结$", r"$^", {"件", "起"}),
    ("review.total", r"行政复议(申请|案件)?$", r"诉讼|结果|审结", {"件", "起"}),
    ("litigation.total", r"行政诉讼(案件)?$", r"复议|结果|审结", {"件", "起"}),
    ("fees.billed", r"(收费|缴费)通知.{0,6}(金额|总额)", r"$^", {"元", "万元"}),
    ("fees.collected", r"收取.{0,12}(费|费用)|收费金额|实际收取", r"行政事业性|通知", {"元", "万元"}),
    ("fees.notices", r"收费通知", r"$^", {"件", "份", "次"}),
    ("consultations.total", r"咨询", r"$^", {"人次", "次", "件"}),
    ("website.visits", r"访问量|点击量|浏览量", r"$^", {"次", "人次", "万人次"}),
    ("proactive.regulations.issued", r"(新增|制发|出台|制定).{0,8}规章", r"$^", {"件"}),
    ("proactive.documents", r"文件$", r"规章|管理制度|清理|废止|修订|审查|备案|审核|征求", {"件"}),
    ("proactive.items", r"(主动公开|主动发布|发布|公开).{0,8}(政府信息|各类信息|公开信息)$|^主动公开信息$", r"依申请|历年|截至|以来|至今", {"条", "件"}),
]
_COMPILED = [(key, re.compile(inc), re.compile(exc), units) for key, inc, exc, units in RULES]
# Statistics tables name indicators as counts: 行政复议数, 对申请的答复总数.
_COUNT_SUFFIX = re.compile(r"(总数|数量|数)$")
_OUTCOME_PARTS = re.compile(r"^(结果维持|结果纠正|其他结果|尚未审结|维持|纠正)$")


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
    for fig in figures:
        if fig.key or fig.source == "table" or fig.scope != "year":
            continue  # only this year's figures take this-year keys
        label = _COUNT_SUFFIX.sub("", fig.label)
        for key, include, exclude, units in _COMPILED:
            if key in taken or fig.unit not in units:
                continue
            if include.search(label) and not exclude.search(label):
                fig.key = key
                taken.add(key)
                break
