"""Prose figures: labels, units, multipliers, approximations, what is not a figure, 其中-parts,
canonical keys and zeros stated in words."""
from __future__ import annotations

import pytest

from pipeline.checks import part_sum_checks
from pipeline.extract.keys import assign_keys, qualify_parts
from pipeline.extract.text import extract_text_figures
from pipeline.extract.zeros import implicit_zeros


def figures(text: str, offset: int = 0):
    found = extract_text_figures([(offset, text)])
    qualify_parts(found)
    assign_keys(found)
    return found


def one(text: str):
    found = figures(text)
    assert len(found) == 1, [(f.label, f.value, f.unit) for f in found]
    return found[0]


@pytest.mark.parametrize(
    ("text", "label", "value", "unit", "approx", "printed"),
    [
        ("全年编发工作简报1515条。", "编发工作简报", 1515, "条", False, "1515"),
        ("公开惠农补贴信息180余条。", "公开惠农补贴信息", 180, "条", True, "180"),
        ("印发政策解读手册1万余份。", "印发政策解读手册", 10_000, "份", True, "1万"),
        ("办理人大代表建议二十三件。", "办理人大代表建议", 23, "件", False, "二十三"),
        ("按期答复率达100%。", "按期答复率", 100, "%", False, "100"),
        ("共接待群众咨询1,234人次。", "接待群众咨询", 1234, "人次", False, "1,234"),
        ("全年办理两件。", "办理", 2, "件", False, "两"),
        ("拨付专项经费3.5万元。", "拨付专项经费", 3.5, "万元", False, "3.5"),
        ("回复网民留言近200次。", "回复网民留言", 200, "次", True, "200"),
    ],
)
def test_prose_figure(text, label, value, unit, approx, printed) -> None:
    fig = one(text)
    assert (fig.label, fig.value, fig.unit, fig.approx) == (label, value, unit, approx)
    assert text[fig.start:fig.end] == printed
    assert fig.source == "text" and not fig.implicit


def test_offsets_are_document_offsets() -> None:
    fig = figures("全年编发简报1515条。", offset=1000)[0]
    assert (fig.start, fig.end) == (1006, 1010)


@pytest.mark.parametrize(
    "text",
    [
        "按照《某某县人民政府办公室关于做好2016年信息公开重点工作的通知》（某政办发〔2016〕10号）部署推进。",
        "参照某办函〔2021〕30号文件和某府令第711号办理。",
        "文中数据的起止时间为2016年1月1日到2016年12月31日。",
        "二〇一六年三月，全镇举行动员大会。",
        "(一)公开目录编制。",
        "（二）受理渠道建设。",
        "1.建立制度。2.完善机制。",
        "一是加强领导，二是完善机制，三是强化监督。",
        "咨询电话：0100-12345678，邮政编码：100000。",
        "依据《条例》第二十条、第二十一条的规定。",
        "在15个工作日内答复，近3年来持续推进。",
        "第3期简报已印发。",
        "落实“三个一”要求，推行“一件事一次办”。",
    ],
)
def test_not_figures(text: str) -> None:
    assert [(f.label, f.value, f.unit) for f in figures(text)] == []


@pytest.mark.parametrize("text", ["一是主动公开政府信息41件。", "1.主动公开政府信息41件。", "1、主动公开政府信息41件。",
                                  "（一）主动公开政府信息41件。"], ids=["yishi", "1dot", "1dun", "paren"])
def test_list_markers_not_in_label(text: str) -> None:
    fig = one(text)
    assert fig.value == 41
    assert fig.label == "主动公开政府信息"


def test_parts_linked_and_summed() -> None:
    found = figures("登记社会组织298个，其中社会团体121个，民办非企业单位177个。")
    assert [(f.label, f.value, f.part_of) for f in found] == [
        ("登记社会组织", 298, None), ("社会团体", 121, 0), ("民办非企业单位", 177, 0)]
    [check] = part_sum_checks(found)
    assert check.ok is True and check.kind == "commonly_expected"
    assert (check.lhs, check.rhs) == (298, 298)
    assert check.rule.startswith("text.part_sum")


def test_parts_that_do_not_add_up_fail() -> None:
    found = figures("受理申请5件，其中当面申请2件，网上申请2件。")
    assert [f.part_of for f in found] == [None, 0, 0]
    [check] = part_sum_checks(found)
    assert check.ok is False
    assert (check.lhs, check.rhs) == (5, 4)
    assert check.kind == "heuristic", "parts short of the total may be a selection"


def test_parts_beyond_the_total_are_an_inconsistency() -> None:
    [check] = part_sum_checks(figures("受理申请5件，其中当面申请4件，网上申请3件。"))
    assert (check.ok, check.kind) == (False, "commonly_expected")


def test_parts_link_only_within_unit_and_sentence() -> None:
    found = figures("公示扶持项目42项，金额5280万元，其中农户直补项目17项，金额3170万元。另发布信息10条。")
    by_value = {f.value: f for f in found}
    assert by_value[17].part_of == found.index(by_value[42])
    assert by_value[3170].part_of == found.index(by_value[5280])
    assert by_value[10].part_of is None


def test_single_part_gives_no_sum_check() -> None:
    assert part_sum_checks(figures("受理申请5件，其中网上申请5件。")) == []


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("本年度受理政府信息公开申请27件。", "requests.new.total", 27),
        ("全年共收到政府信息公开申请95件。", "requests.new.total", 95),
        ("全年收取信息处理费0元。", "fees.collected", 0),
        ("全年主动公开政府信息1163条。", "proactive.items", 1163),
        ("上年结转政府信息公开申请3件。", "requests.carried_over.total", 3),
        ("共接待群众咨询1,234人次。", "consultations.total", 1234),
    ],
)
def test_keys(text: str, key: str, value) -> None:
    fig = one(text)
    assert (fig.key, fig.value) == (key, value)


def test_key_taken_once_per_report() -> None:
    found = figures("受理政府信息公开申请27件。去年受理政府信息公开申请18件。")
    assert [f.key for f in found] == ["requests.new.total", None]


def test_channel_parts_do_not_take_the_total_key() -> None:
    found = figures("受理政府信息公开申请27件，其中网上申请19件，当面申请8件。")
    assert [f.key for f in found] == ["requests.new.total", None, None]


def test_reconsideration_outcomes_qualified() -> None:
    found = figures("因政府信息公开被申请行政复议3件，其中结果维持2件，结果纠正1件。")
    assert [f.label for f in found[1:]] == ["行政复议结果维持", "行政复议结果纠正"]
    assert [f.key for f in found] == ["review.total", "review.upheld", "review.corrected"]


# ------------------------------------------------------------------ implicit zeros

def zeros(text: str, explicit: set[str] | None = None):
    return {f.key: f for f in implicit_zeros([(100, text)], explicit or set())}


def test_uncharged_is_zero_fee() -> None:
    found = zeros("本年度依申请公开信息均未收费。")
    assert set(found) == {"fees.collected"}
    fig = found["fees.collected"]
    assert (fig.value, fig.unit, fig.implicit) == (0, "元", True)
    text = "本年度依申请公开信息均未收费。"
    assert text[fig.start - 100:fig.end - 100] == "均未收费"


def test_no_review_no_litigation() -> None:
    found = zeros("本年度本机关既没有被申请行政复议，也没有被提起行政诉讼。")
    assert set(found) == {"review.total", "litigation.total"}
    assert all(f.value == 0 and f.implicit and f.unit == "件" for f in found.values())


@pytest.mark.parametrize("text", ["办理申请时一律未收取工本费。", "未向申请人收取信息处理费。", "当年本局未发生涉及信息公开的行政复议。"])
def test_more_nil_statements(text: str) -> None:
    assert zeros(text)


def test_stated_number_beats_nil_wording() -> None:
    assert zeros("本年度本机关没有被申请行政复议。", explicit={"review.total"}) == {}
    assert "review.total" not in zeros("本年度涉及信息公开的行政复议2件，未发生行政诉讼。")


def test_positive_statements_are_not_zeros() -> None:
    assert zeros("本年度收取信息处理费200元，发生行政复议1件。") == {}


@pytest.mark.parametrize("sentence", ["本年度未产生信息处理费。", "信息处理费收费情况：无。", "未收取检索费、复制费、邮寄费等任何费用。"])
def test_fee_nil_phrasings(sentence: str) -> None:
    zeros = implicit_zeros([(0, sentence)], set())
    assert [(f.key, f.value, f.implicit) for f in zeros] == [("fees.collected", 0, True)]


def test_review_application_count_is_keyed() -> None:
    figures = extract_text_figures([(0, "全年收到行政复议申请3件，行政诉讼案件1件。")])
    assign_keys(figures)
    assert [(f.key, f.value) for f in figures] == [("review.total", 3), ("litigation.total", 1)]


def _keyed(text: str) -> list[tuple]:
    figures = extract_text_figures([(0, text)])
    qualify_parts(figures)
    assign_keys(figures)
    return [(f.key, f.label, f.value, f.unit) for f in figures]


def test_short_verb_takes_the_noun_after_the_number() -> None:
    assert _keyed("聘请20名政务公开监督员。") == [(None, "聘请政务公开监督员", 20, "名")]


def test_share_takes_the_label_before_it() -> None:
    assert _keyed("予以公开50件，占38.8%。")[1] == (None, "予以公开占", 38.8, "%")


def test_bare_outcome_word_takes_the_subject_before_it() -> None:
    assert _keyed("行政复议结果维持7件、纠正1件。") == [
        ("review.upheld", "行政复议结果维持", 7, "件"), ("review.corrected", "行政复议纠正", 1, "件")]


def test_fee_notices_billed_and_collected() -> None:
    keys = [k for k, *_ in _keyed("向申请人发出收费通知3件，收费通知金额1250元，实际收取信息处理费850元。")]
    assert keys == ["fees.notices", "fees.billed", "fees.collected"]


def test_quoted_titles_are_dropped_from_the_label() -> None:
    label = _keyed("组织召开了“春节服务企业专项活动”“营商环境推进会”等新闻发布会12场。")[0][1]
    assert label == "组织召开了新闻发布会"


def test_behaviour_words_keep_their_last_character() -> None:
    """为 ends 行为; it is a filler only in 均为 / 总数为."""
    assert _keyed("复议机关撤销原行政行为3件。")[0][1] == "复议机关撤销原行政行为"


def test_bare_total_takes_the_subject_of_the_sentence() -> None:
    text = "全镇村务公开事项经梳理汇总后，纳入清单的共有18个村共计1450项，其中财务公开类310项。"
    assert [f[1] for f in _keyed(text)] == ["纳入清单的村", "村务公开事项共计", "财务公开类"]


def test_channel_phrase_is_not_the_label() -> None:
    assert _keyed("借助县政府网站和微信公众号公开征求意见7次。")[0][1] == "公开征求意见"


def test_a_single_quoted_name_stays_in_the_label() -> None:
    assert _keyed("对获得“春蕾助学”生活补助的36名学生进行了公示。")[0][1] == "获得“春蕾助学”生活补助的学生"


def test_multiplier_in_decimal_arithmetic() -> None:
    assert [f.value for f in figures("共计发布信息1.1万余条，发放宣传资料二十三万份。")] == [11000, 230000]


def test_request_count_named_as_a_count() -> None:
    assert _keyed("全年政府信息公开申请数为15件。")[0][0] == "requests.new.total"


def test_bare_rate_names_its_scene_from_the_clause_before() -> None:
    assert figures("在2023年度考核中，优秀率达到85%。")[0].label == "考核优秀率"


def test_bare_total_subject_from_the_nearest_clause_that_names_a_thing() -> None:
    text = "2015年,经党委会议研究决定,全镇村务公开事项经梳理汇总后,纳入清单的共有18个村共计1450项。"
    assert [f[1] for f in _keyed(text)][1] == "村务公开事项共计"
