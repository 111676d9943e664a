"""Figures in prose: `主动公开政府文件41件`, `1万余份`, `二十三件`, `100%`.

A figure is a number followed by a counting unit; its label is the phrase that says what
is counted, normally the words before the number in the same clause, otherwise the noun
after the unit (`办理…的2项依申请公开信息事项`). Years, dates, document numbers, list
ordinals and phone numbers carry no counting unit, which is what keeps them out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.extract import lexicon
from pipeline.metrics import load_data
from pipeline.model import Figure
from pipeline.numbers import parse_number

_UNITS_FILE = Path(__file__).resolve().parent.parent / "data" / "units.yaml"
_UNIT_SPEC = load_data(_UNITS_FILE)
UNITS: list[str] = _UNIT_SPEC["units"]
_DIGITS_ONLY = set(_UNIT_SPEC["digits_only"])
_NOT_AFTER_SINGLE_NUMERAL = set(_UNIT_SPEC["not_after_single_numeral"])
_NOT_UNIT_AFTER: dict[str, str] = _UNIT_SPEC["not_unit_before"]
_NOT_COUNTS = tuple(_UNIT_SPEC["text_structure"])
_CN = "零〇一二两三四五六七八九十百千"
_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_SIZE_RE = "|".join(re.escape(u) for u in _UNIT_SPEC["size_prefixes"])
# Not after digits, letters, 第 (ordinals), brackets (〔2019〕3号) or a hyphen (codes).
FIGURE_RE = re.compile(
    rf"(?<![\d.A-Za-z第〔\[(（<-])(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|[{_CN}]+)"
    rf"(?:(?P<mult>万|亿)(?!元))?(?P<approx>余|多)?(?P<unit>(?P<size>{_SIZE_RE})?(?:{_UNIT_RE}))"
)
_PREFIX_APPROX = re.compile(r"(近|约|超过|逾|大约|将近|多达|突破)$")
# 95%以上, 200人左右: approximate from the word after.
_SUFFIX_APPROX = ("以上", "左右")
# 粉丝数54373, 访问量12万, 注册用户达2150, 用户已突破550万, 日均约8.9万: a count named by its noun, without a counting unit.
# The number stands after a count noun (units.yaml, and a verb of reaching), or after such a verb or
# an average (日均) with 万/亿, and ends its clause (not a table row flattened into a line: 申请数量21 0 0);
# anything else without a unit (years, codes, phone numbers) is no figure.
_BARE_COUNT = re.compile(r"(?<=[\u4e00-\u9fff])(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?P<mult>万|亿)?(?P<approx>余|多)?"
                         r"(?P<size>)(?P<unit>)(?=[，,。；;、）)]|\s(?!\s*\d)|$)")
_BARE_NOUN = re.compile(rf"({'|'.join(_UNIT_SPEC['count_nouns'])})(已|共|累计|即)?(达到|达|为|突破|超过|逾)?约?$")
_BARE_VERB = re.compile(r"(达到|达|突破|超过|逾|[日月]均约?)$")

CLAUSE_BREAK = re.compile(r"[，,。；;：:！？!?\n]")
_OPEN_PAREN = re.compile(r"[（(][^（()）]*$")
SENTENCE_BREAK = re.compile(r"[。；;！？!?\n]")
_LIST_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+是|\d{1,2}[.、．](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]+、)\s*")
# Titles of campaigns or columns listed before what is counted: “…”“…”等新闻发布会.
_QUOTED_LIST = re.compile(r"(?:(?:“[^”]{1,60}”[、，]?){2,}等?|“[^”]{1,60}”等)(?=[\u4e00-\u9fff])")
_TOTAL_WORD = re.compile(r"共计|合计|总计")
# 收到申请7件（含上年结转1件）: a bracket opening with 含/包括 lists parts of the figure before it.
_INCLUDED = re.compile(r"[（(](含|包含|包括)")
_PARENS = re.compile(r"[（(][^（()）]*[）)]")
# Words before what is counted that say when (2016年, 年初, 3月19日), who or where (我局, 全区) or
# how the clause links (此外, 其中, 共): none of them is part of the label.
_LEAD = re.compile(r"^(?:\d{4}年度?|\d{1,2}月(?:\d{1,2}日)?|全年|今年|本年度?|年内|年初|年中|年底|年末|上半年|下半年|当年|同年|"
                   r"截至目前|目前|此外|另外|同时|另有|另|其中|并|还|又|共计|共有|共|累计|先后|"
                   r"我区|我市|我县|我局|我委|我办|我镇|我乡|我部门|我单位|我们|本(?:机关|单位|部门|局|委|办|镇|乡|厅|院|中心)|全区|全市|全县|全省|全镇|全乡|"
                   r"对|含|经统计|统计|为)+")
_TRAIL = re.compile(r"(?:共计|共有|合计|总计|累计|共|达到|达|已|即|突破|(?<![行作认因成])为|约|近|超过|逾|有|了|是|均为|分别为|计|等)+$")
_ENUMERATION = re.compile(r"([^、，,]{1,15}?)(?:、[^、，,]{1,15}?)+等(?=[\u4e00-\u9fff])")
# Words that end the phrase after a number: a new predicate (进行, 予以, 均, 已 …) or a total.
_PHRASE_STOPS = {"进行", "予以", "实行", "完成", "均", "已", "并", "共", "共计", "共有", "合计", "总计", "其中",
                 "即", "即达", "达", "达到", "突破", "全部", "所有", "全体", "整体"}
_GENERIC = {"金额", "资金", "人数", "数量", "人", "总数", "总额", "数", "占", "占比", "比例", "比重"}
# 占总体的比例为8.42%: a share of the figure before it, named by that figure.
_SHARE = re.compile(r"^占(总体|全部|总数|总量|全年|全部信息)?的?(比例|比重)$")
# 全区36个部门: an area word before a number says where, not what is counted.
_AREA_TAIL = re.compile(r"(全区|全市|全县|全省|全镇|全乡|全州)$")
_COUNT_VERBS = {"发布", "公开", "发放", "编发", "报送", "受理", "收到", "办理", "接受", "回应", "征求", "刊发", "制作", "召开",
                "举办", "开展", "收取", "答复", "办结", "接待", "处理", "新增", "转办", "出台", "印发", "制发", "推送", "更新",
                "上传", "录入", "审核", "组织", "公示", "解读", "培训"}
_VERB_ADVERBS = ("主动", "依申请", "共", "累计", "全年")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class _Hit:
    figure: Figure
    sentence_start: int
    suffix: str
    parent_hint: bool
    parts_end: int | None = None
    subject: str = ""  # what a bare total (共计N项) totals, from an earlier clause
    in_parens: bool = False
    total: str = ""  # the total word (共计, 合计, 总计) before the number


# 《条例》第9至12条: the second number of an ordinal range is an ordinal too.
_ORDINAL_RANGE = re.compile(r"第\s*[\d一二三四五六七八九十]+\s*(?:至|到|-|—|、|和)\s*$")
# 位列全省13位, 排名第…: a rank, not a count (a change of rank, 上升102位, is kept).
_RANK = re.compile(r"(位列|位居|名列|排名|排在|居)[^，,。；;\d]{0,6}$")


def _in_quotes(before: str) -> bool:
    """“创业富民30条”, 《…20条》: a number inside a quoted title is part of a name."""
    sentence = SENTENCE_BREAK.split(before)[-1]
    return (sentence.count("“") > sentence.count("”") or sentence.count('"') % 2 == 1
            or sentence.count("《") > sentence.count("》"))


def _is_bare_count(match: re.Match, text: str) -> bool:
    """A number without a unit counts only after a count noun (粉丝数54373) or, with 万/亿, after a verb of
    reaching or an average."""
    before = text[max(0, match.start() - 8):match.start()]
    return bool(_BARE_NOUN.search(before) or (match.group("mult") and _BARE_VERB.search(before)))


def _numbers(text: str) -> list[re.Match]:
    """Numbers with a counting unit, and counts named by their noun, in reading order."""
    found = list(FIGURE_RE.finditer(text))
    bare = [m for m in _BARE_COUNT.finditer(text) if _is_bare_count(m, text)]
    return sorted(found + bare, key=lambda m: m.start())


def _names_no_count(before: str, unit: str) -> bool:
    """An ordinal range, a rank or a quoted title, from the words before the number."""
    rank = unit in ("位", "名") and _RANK.search(before) and not _CHANGE.search(before)
    return bool(_ORDINAL_RANGE.search(before) or rank or _in_quotes(before))


def _is_figure(match: re.Match, text: str) -> bool:
    num, unit = match.group("num"), match.group("unit")
    base = unit[len(match.group("size") or ""):]
    after = text[match.end():match.end() + 1]
    if after and len(base) == 1 and after in _NOT_UNIT_AFTER.get(base, ""):
        return False
    before = text[max(0, match.start() - 40):match.start()]
    if text.startswith(_NOT_COUNTS, match.end()) or _names_no_count(before, base):
        return False
    if num[0] in _CN:
        if base in _DIGITS_ONLY or parse_number(num) is None:
            return False
        if len(num) == 1 and (num == "一" or base in _NOT_AFTER_SINGLE_NUMERAL):
            return False
        before = before[-1:]
        # 第三, 周五, 星期, 初二, 十八届三中全会, 五届四次
        if before in ("第", "周", "星", "初", "届") or (before and before in _CN):
            return False
    return True


def _clean_label(raw: str) -> str:
    label = _LIST_MARKER.sub("", _PARENS.sub("", raw).strip(" 、，,“”\"'"))
    for _ in range(3):
        label = _LEAD.sub("", label).strip(" 、，,")
        label = _TRAIL.sub("", label).strip(" 、，,")
        label = _AREA_TAIL.sub("", label)
    label = _QUOTED_LIST.sub("", label)
    return _ENUMERATION.sub(r"\1等", label)


_CHANNEL = re.compile(r"^(通过|利用|依托|借助)")


def _drop_channel(label: str) -> str:
    """`通过政府门户网站公开征求意见` counts 公开征求意见: a leading channel phrase is not the label."""
    if not _CHANNEL.match(label):
        return label
    words = lexicon.words(label)
    at = next((i for i, w in enumerate(words) if i and w in _COUNT_VERBS), None)
    rest = "".join(words[at:]) if at is not None else ""
    return rest if len(_HAN.findall(rest)) >= 3 else label


def _cut_at_verb(label: str) -> str:
    """Long labels carry channels and subjects before the counting verb; keep from the verb."""
    if len(_HAN.findall(label)) <= 18:
        return label
    words = lexicon.words(label)
    depth, positions = 0, []
    for i, w in enumerate(words):
        depth += sum(w.count(o) for o in "“《") - sum(w.count(c) for c in "”》")
        if w in _COUNT_VERBS and depth <= 0:
            positions.append(i)
    if not positions:
        return label
    i = positions[0]
    while i > 0 and words[i - 1] in _VERB_ADVERBS:
        i -= 1
    cut = "".join(words[i:])
    return cut if len(_HAN.findall(cut)) >= 3 else label


def _noun_after(rest: str) -> str:
    """The phrase right after a number's unit, up to the clause's end (`2项依申请公开信息事项，`
    → 依申请公开信息事项); where none ends within 14 characters, only the leading nouns as
    jieba tags them (`79个社区全部设立…` → 社区)."""
    words: list[tuple[str, str]] = []
    for word, flag in lexicon.tagged(rest[:24]):
        if word in _PHRASE_STOPS or not all(_HAN.match(c) or c in "《》“”" for c in word):
            break
        words.append((word, flag))
        if sum(len(w) for w, _ in words) > 14:
            nouns = []
            for w, f in words:
                if not f.startswith("n"):
                    break
                nouns.append(w)
            return "".join(nouns)
    return "".join(w for w, _ in words)


_SCENE = re.compile(r"在([^，,。；在]{2,30})中[，,]$")
_TIME_WORDS = re.compile(r"\d{4}年度?|[一二三四]个季度|第[一二三四]季度|上半年|下半年|全年|年度")


def _scene(before: str, raw: str, unit: str) -> str:
    """`在…检查抽查中，合格率均为100%`: a bare rate names its scene from the clause before. A
    count keeps its own words (在已办结的申请中，予以公开50件 counts 予以公开)."""
    found = _SCENE.search(before)
    if unit != "%" or not found or len(_HAN.findall(_clean_label(raw))) > 4:
        return raw
    return _TIME_WORDS.sub("", found.group(1)) + raw


def _subject(sentence: str) -> str:
    """What a bare 共计N项 totals: the nearest earlier clause of the sentence that names a
    thing, without time or place words, up to its predicate
    (`全区行政权力和服务事项经清理规范后` → 行政权力和服务事项)."""
    for clause in reversed(re.split(r"[，,：:]", sentence)[:-1]):
        clause = _LEAD.sub("", re.sub(r"^(全区|全市|全县|全省|全镇)", "", clause))
        head = re.split(r"经|通过|在|已|共|于|均|累计", clause, maxsplit=1)[0]
        if 2 <= len(_HAN.findall(head)) <= 16:
            return head
    return ""


# 等候时间由40分钟缩短至15分钟, 信息发布量由2013年的1128条增加到2014年的1887条: both numbers
# count the subject before 由/从.
_SHIFT = r"(?:增加|提高|提升|减少|下降|降低|上升|缩短|延长|扩大|压缩)(?:到|至|为)"
_FROM = re.compile(r"([^，,。；;]{2,20}?)(?:由|从)[^，,。；;由从]{0,12}$")
_TO = re.compile(rf"([^，,。；;]{{2,20}}?)(?:由|从)[^，,。；;]{{0,30}}?{_SHIFT}[^，,。；;]{{0,12}}$")
_SHIFT_NEXT = re.compile(rf"\s*{_SHIFT}")


def _shift_subject(clause: str, after: str) -> str | None:
    """The subject of a 由A…到B change, for A (a shift follows it) and for B."""
    found = _TO.search(clause) or (_FROM.search(clause) if _SHIFT_NEXT.match(after) else None)
    return found.group(1) if found else None


def _wants_noun(label: str, noun: str) -> bool:
    """The noun after the number says what is counted: too little stands before it
    (`聘请20名监督员`), or a verb or preposition ends the words before it (`专门配备了2名…人员`,
    `通过二种形式发布…`), or a relative clause (`编入目录的39个单位`)."""
    if not noun:
        return False
    if len(_HAN.findall(label)) <= 2 or label.endswith("的") or label in _COUNT_VERBS:
        return True
    last = list(lexicon.tagged(label))[-1][1] if label else ""
    return last.startswith(("v", "p")) and not last.startswith("vn")


def _object_label(prefix: str, noun: str) -> str:
    """Numeral, unit, noun: the noun is what is counted. The label keeps the verb that counts
    it (`专门配备` → 配备全职工作人员) or a relative clause whole (`编入目录的单位`); a bare
    preposition is dropped (`主要通过` → 形式发布政府信息)."""
    if prefix.endswith("的") or len(_HAN.findall(prefix)) <= 2:
        return prefix + noun
    words = list(lexicon.tagged(prefix))
    verb = next((i for i in range(len(words) - 1, -1, -1) if words[i][1].startswith("v")), None)
    return noun if verb is None else "".join(w for w, _ in words[verb:]) + noun


def _label_core(label: str) -> str:
    """The counted thing without its verb: 公开各类财政专项资金 → 财政专项资金."""
    return re.sub(r"^.*?(各类|各项)", "", label)


# Time words that put a number outside the report's year (CONTRACT.md scopes).
# 同比增长12%, 比上年提高3个百分点: a rate of change, not a share of this year's total.
_RATE = re.compile(r"(同比|比上年|较上年|比去年|较去年|环比)[^，,。；;]{0,8}?(增长|增加|下降|减少|提高|降低|上升|增幅|降幅)(了|达|为)?$")
# 比上年增加56条, 较2014年上升102位: the difference as printed; the label keeps 增加/减少.
_CHANGE = re.compile(r"(比|较|同比)(上年|去年|上一年|前一年|\d{4}年)?(同期)?[^，,。；;]{0,8}?"
                     r"(增加|减少|增长|下降|上升|提高|降低|前进|后退|多|少)(了)?$|^同比(增加|减少|增长|下降)")
# Time words, each naming the period of the numbers after it until the next one; the last
# before a number decides. Alternatives are tried left to right at each position, so a
# 截至…累计 phrase is read whole before the year inside it.
_TIME = re.compile(
    # since records began: 历年, 建站以来, 2003年——2009年, 截至2015年底，…累计, 目前总计
    r"(?P<cumulative>历年|至今|迄今|\d{4}年?\s*[—–\-~～至到]+\s*\d{4}年|(?:截至|截止)[^。；;]{0,24}?累计|目前[^，,。；;]{0,12}(?:总计|累计))"
    # 2019年以来 is year-to-date in a 2019 report, since records began in a later one
    r"|(?P<since>\d{4})年以来"
    r"|(?P<cumulative_since>以来)"
    # a year named: this year's, last year's, or earlier (2004年5月起 is a date, not a period)
    r"|(?P<named>\d{4})年度?(?!底|末|\s*\d{1,2}\s*月)"
    # 上年同期为40件, 由原来的8个(增加到16个): a value quoted for comparison. 结转上年, 上年结转 and 上年度遗留
    # are carried into this year (a this-year count).
    r"|(?P<previous>(?<!结转)(?:上年|去年|上一年度?|前一年)(?:同期|全年)?(?!度?结转|度?遗留)|(?:由|从)原来)"
    r"|(?P<year>全年|本年度?|今年|年内|当年|现在|现有)"
)


# 比上年增加56条，其中…: the year a change is measured against is no period of what follows.
_COMPARED = re.compile(r"(?:比|较|同比|环比)(?:上年|去年|上一年度?|前一年|\d{4}年度?)(?:同期)?")
# 较2015年的4870条, 比上年同期的40件: a number right after the year compared against is that year's value.
_COMPARED_VALUE = re.compile(_COMPARED.pattern + r"的?\s*$")


def figure_scope(before: str, unit: str | None, year: int | None = None) -> str:
    """The period a prose number counts, from the words before it in its sentence; `year`
    is the report's year, which tells this year's 2014年 from last year's 2013年."""
    if unit in ("%", "个百分点") and _RATE.search(before):
        return "rate"
    if unit == "倍":
        return "rate"  # 是上年的1.5倍, 增长2倍: a multiple compares two periods
    if _CHANGE.search(before):
        return "change"
    if _COMPARED_VALUE.search(before):
        return "previous_year"
    before = _COMPARED.sub("", before)
    marks = list(_TIME.finditer(before))
    if not marks:
        return "year"
    last = marks[-1]
    kind = last.lastgroup
    if kind == "cumulative_since" and last.start() >= 2 and before[last.start() - 2:last.start()] in ("今年", "本年"):
        return "year"
    if kind in ("since", "named") and year:
        named = int(last.group(kind))
        if kind == "since":
            return "year" if named >= year else "cumulative"
        return "previous_year" if named < year else "year"
    return {"cumulative": "cumulative", "cumulative_since": "cumulative", "previous": "previous_year"}.get(kind, "year")


def _value(match: re.Match) -> int | float | None:
    """The number with its 万/亿 multiplier, in decimal arithmetic (1.1万 is 11000, not 11000.000000000002)."""
    return parse_number(match.group("num") + (match.group("mult") or ""))


def _line_hits(text: str, offset: int, year: int | None = None) -> list[_Hit]:
    hits: list[_Hit] = []
    prev_end = 0
    for match in _numbers(text):
        if not _is_figure(match, text):
            continue
        value = _value(match)
        if value is None:
            continue
        start = match.start()
        clause_start = max((m.end() for m in CLAUSE_BREAK.finditer(text, 0, start)), default=0)
        paren = _OPEN_PAREN.search(text, clause_start, start)
        clause_start = paren.start() + 1 if paren else clause_start
        sentence_start = max((m.end() for m in SENTENCE_BREAK.finditer(text, 0, start)), default=0)
        seg_start = max(clause_start, prev_end)
        shifted = _shift_subject(text[clause_start:start], text[match.end():match.end() + 6])
        raw = shifted if shifted else text[seg_start:start]
        approx = bool(match.group("approx") or _PREFIX_APPROX.search(raw)) or text.startswith(_SUFFIX_APPROX, match.end())
        raw = _scene(text[sentence_start:clause_start], _PREFIX_APPROX.sub("", raw), match.group("unit"))
        before = text[max(sentence_start, prev_end):start]
        parent_hint = "其中" in before or bool(_INCLUDED.search(before))
        parts_end = None
        if parent_hint and _OPEN_PAREN.search(text, sentence_start, start):
            close = re.compile(r"[）)]").search(text, start)
            parts_end = offset + close.start() if close else None
        suffix = _noun_after(text[match.end():])
        unit = match.group("unit") or None
        printed = len(match.group("num")) + len(match.group("mult") or "")
        figure = Figure(label=_clean_label(raw), value=value, unit=unit, start=offset + start,
                        end=offset + start + printed, approx=approx)
        figure.scope = figure_scope(text[sentence_start:start], unit, year)
        total = _TOTAL_WORD.search(raw)
        subject = _subject(text[sentence_start:start]) if total else ""
        hits.append(_Hit(figure, offset + sentence_start, suffix, parent_hint, parts_end, subject, paren is not None,
                         total.group(0) if total else ""))
        takes_suffix = _wants_noun(figure.label, suffix)
        prev_end = match.end() + (len(suffix) if takes_suffix else 0)
        while prev_end < len(text) and text[prev_end] in "、和及与,，":
            if text[prev_end] in ",，":
                break
            prev_end += 1
    _fill_labels(hits, text)
    return hits


def _elided_object(verb: str, previous: str) -> str:
    """2013年受理申请28件，2014年受理35件: a count verb alone takes the object it had in the
    sentence's figure before."""
    at = previous.find(verb)
    return previous[at:] if at >= 0 and len(previous) > at + len(verb) else verb


def _fill_labels(hits: list[_Hit], text: str) -> None:
    for i, hit in enumerate(hits):
        fig = hit.figure
        if _wants_noun(fig.label, hit.suffix):
            fig.label = _cut_at_verb(_object_label(fig.label, hit.suffix))
        elif (fig.label in _GENERIC or _SHARE.match(fig.label)) and i and hits[i - 1].sentence_start == hit.sentence_start:
            fig.label = _label_core(hits[i - 1].figure.label) + ("占比" if _SHARE.match(fig.label) else fig.label)
        else:
            fig.label = _cut_at_verb(_drop_channel(fig.label))
        if fig.label in _COUNT_VERBS and i and hits[i - 1].sentence_start == hit.sentence_start:
            fig.label = _elided_object(fig.label, hits[i - 1].figure.label)
    for i, hit in enumerate(hits):
        if hit.subject and hit.figure.label.endswith("的"):
            hit.figure.label += hit.subject  # 保留的共计186项: a relative clause without its noun counts the subject
        if hit.figure.label:
            continue
        if hit.subject:
            hit.figure.label = hit.subject + hit.total
            continue
        # a bare number shares the label of its neighbour in the sentence, the one before first
        # (两条微信阅读量即达180万次), never one of another period (共计386条，比上年增加56条)
        same = [h for h in hits[max(0, i - 1):i] + hits[i + 1:i + 2] if h.sentence_start == hit.sentence_start
                and h.figure.label and h.figure.scope == hit.figure.scope]
        if same:
            hit.figure.label = same[0].figure.label


# 截至…累计主动公开12.6万条，其中本年度新增1.8万条: a part named only by 新增 (or nothing)
# counts what its total counts.
_BARE_PART = re.compile(r"^(新增|新发布|新公开|新制发)?$")
_TOTAL_LEAD = re.compile(r"^.*?(累计|历年|总计|共计|合计)")


def _name_bare_parts(figures: list[Figure], first: int) -> None:
    for fig in figures[first:]:
        if fig.part_of is not None and _BARE_PART.match(fig.label):
            fig.label += _TOTAL_LEAD.sub("", figures[fig.part_of].label)


def _can_have_parts(hit: _Hit) -> bool:
    """共计386条，比上年增加56条，其中…: a change, a rate or last year's value has no 其中-parts;
    nor has a figure in brackets (收到申请7件（含上年结转1件），其中…)."""
    return hit.figure.scope in ("year", "cumulative") and not hit.in_parens


def _link_parts(hits: list[_Hit], figures_offset: int) -> None:
    """A figure after 其中 is part of the last figure with the same unit before 其中 that can have parts."""
    parent_by_unit: dict[str, int] = {}
    sentence = None
    in_parts = False
    parts_end: int | None = None
    for i, hit in enumerate(hits):
        if hit.sentence_start != sentence:
            sentence, in_parts, parent_by_unit, parts_end = hit.sentence_start, False, {}, None
        if in_parts and parts_end is not None and hit.figure.start > parts_end:
            in_parts, parts_end = False, None
        if hit.parent_hint and not in_parts:
            in_parts, parts_end = True, hit.parts_end
        unit = hit.figure.unit or ""
        if in_parts and unit in parent_by_unit:
            hit.figure.part_of = figures_offset + parent_by_unit[unit]
        elif not in_parts and _can_have_parts(hit):
            parent_by_unit[unit] = i


def _shares_run(a: str, b: str, length: int = 4) -> bool:
    a, b = "".join(_HAN.findall(a)), "".join(_HAN.findall(b))
    return any(a[i:i + length] in b for i in range(len(a) - length + 1))


def _restated(hit: _Hit, earlier: list[Figure]) -> int | None:
    """全区主动公开政府信息5713条 in the overview and again in section 二: the same figure
    printed twice (same value, unit and period, labels sharing four characters) is one
    figure; the index of the earlier one. A 其中-part may equal its total, so it is never a
    restatement."""
    fig = hit.figure
    if hit.parent_hint:
        return None
    return next((i for i, e in enumerate(earlier) if e.value == fig.value and e.unit == fig.unit
                 and e.scope == fig.scope and _shares_run(e.label, fig.label)), None)


def extract_text_figures(lines: list[tuple[int, str]], year: int | None = None) -> list[Figure]:
    """Figures of all prose lines, in reading order, with 其中-parts linked by index; `year`,
    the report's year, dates the figures that name one. A figure printed again is kept once,
    and parts of the restatement hang on the first print."""
    figures: list[Figure] = []
    for offset, text in lines:
        hits = _line_hits(text, offset, year)
        base = len(figures)
        _link_parts(hits, base)
        index: dict[int, int] = {}
        for i, hit in enumerate(hits):
            earlier = _restated(hit, figures[:base])
            if earlier is None:
                index[base + i] = len(figures)
                figures.append(hit.figure)
            else:
                index[base + i] = earlier
        for fig in figures[base:]:
            fig.part_of = index.get(fig.part_of, fig.part_of) if fig.part_of is not None else None
        _name_bare_parts(figures, base)
    return figures
